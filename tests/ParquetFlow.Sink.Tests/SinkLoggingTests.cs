using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using ParquetFlow.Durability;
using ParquetFlow.Durability.Faults;
using ParquetFlow.Parquet;
using ParquetFlow.Sink.TestProcess;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Sink.Tests;

/// <summary>What the sink reports through <see cref="LogSinkOptions.Logger"/> when real things happen to its files.</summary>
public sealed class SinkLoggingTests
{
    private const int Batch = 40;

    [Fact]
    public void A_failing_fsync_is_logged_as_an_error_naming_the_file_and_the_rows_lost()
    {
        using var t = new TestSupport();
        var logger = new ListLogger();
        var faults = new FaultyStorage();
        faults.Fail(StorageFault.IOError, StorageOperation.Sync, p => p.EndsWith(".inprogress", StringComparison.Ordinal), times: int.MaxValue);
        var options = new LogSinkOptions { FilePattern = t.PathOf("f-{seq}.parquet"), RowGroupRows = Batch, RowGroupTimeout = TimeSpan.FromHours(1), Storage = faults, Logger = logger };
        using var sink = new LogSink(MarketOrder.Layout, options);
        Log(sink, Batch);
        Assert.Throws<IOException>(sink.Flush);

        // Both attempts, each in its own file, then the loss.
        Assert.True(logger.Matching(LogLevel.Error, "writing a row group to " + t.Directory, ".inprogress failed", "fsync").Count == 2, logger.ToString());
        Assert.Single(logger.Matching(LogLevel.Error, $"{Batch} rows lost"));
    }

    [Fact]
    public void A_damaged_leftover_set_aside_at_start_is_logged_as_a_warning_naming_both_paths()
    {
        using var t = new TestSupport();
        var logger = new ListLogger();
        File.WriteAllBytes(t.PathOf("old.parquet.inprogress"), new byte[1000]);
        using (var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = t.PathOf("new-{seq}.parquet"), Logger = logger }))
        {
        }

        LogEntry entry = Assert.Single(logger.Matching(LogLevel.Warning, "cannot be recovered"));
        Assert.StartsWith(t.PathOf("old.parquet.inprogress") + " cannot be recovered (", entry.Message, StringComparison.Ordinal);
        Assert.EndsWith("set aside as " + t.PathOf("old.parquet.inprogress.unrecoverable"), entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_leftover_recovered_at_start_is_logged_as_a_warning_with_its_row_groups_and_rows()
    {
        using var t = new TestSupport();
        var logger = new ListLogger();
        WriteUnfinished(t.PathOf("crashed.parquet") + ParquetRecovery.InProgressSuffix, rowGroups: 2);
        using (var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = t.PathOf("new-{seq}.parquet"), Logger = logger }))
        {
            Assert.Single(sink.RecoveredFiles);
        }

        LogEntry entry = Assert.Single(logger.Matching(LogLevel.Warning, "recovered"));
        Assert.StartsWith($"recovered {t.PathOf("crashed.parquet")} left in progress by a crash: 2 row groups, {2 * Batch} rows kept", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_completed_file_is_logged_with_its_path_and_rows()
    {
        using var t = new TestSupport();
        var logger = new ListLogger();
        using (var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = t.PathOf("done.parquet"), RowGroupRows = Batch, Logger = logger }))
        {
            Log(sink, 3 * Batch);
        }

        LogEntry entry = Assert.Single(logger.Matching(LogLevel.Information, "completed"));
        Assert.StartsWith($"completed {t.PathOf("done.parquet")}: {3 * Batch} rows, ", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logger.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public void Records_dropped_on_a_full_ring_are_logged_by_the_writer_at_most_twice_not_per_record()
    {
        using var t = new TestSupport();
        var logger = new ListLogger();
        using (var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = t.PathOf("p.parquet"), RingCapacityBytes = 1 << 12, Logger = logger }))
        {
            sink.PauseWriter(true);
            for (long i = 0; i < 1000; i++)
            {
                MarketOrder order = MarketOrder.Make(i);
                sink.TryLog(in order);
            }

            Assert.Equal(936, sink.Statistics.Dropped);
            sink.PauseWriter(false);
            sink.Flush();
        }

        // The first report as soon as the writer sees drops; within 10 s only the final one at stop may follow.
        IReadOnlyList<LogEntry> drops = logger.Matching(LogLevel.Warning, "the ring of " + t.PathOf("p.parquet") + " was full");
        Assert.InRange(drops.Count, 1, 2);
        Assert.EndsWith("936 in all", drops[^1].Message, StringComparison.Ordinal);
    }

    /// <summary>A file in progress with <paramref name="rowGroups"/> journaled row groups and no footer: what a crash leaves.</summary>
    private static void WriteUnfinished(string path, int rowGroups)
    {
        using var durable = new DurableParquetFile(path, MarketOrder.Layout.Schema, new ParquetWriterOptions(), durable: true, Storage.Default, DateTime.UtcNow);
        var batch = new ColumnBatch(MarketOrder.Layout, Batch);
        for (int g = 0; g < rowGroups; g++)
        {
            for (int i = 0; i < Batch; i++)
            {
                MarketOrder order = MarketOrder.Make((g * Batch) + i);
                batch.Append(MemoryMarshal.AsBytes(new ReadOnlySpan<MarketOrder>(in order)));
            }

            RowGroupWriter group = durable.BeginRowGroup();
            batch.WriteTo(group);
            batch.Clear();
            durable.EndRowGroup(group, Batch);
        }
    }

    private static void Log(LogSink sink, int count)
    {
        for (long i = 0; i < count; i++)
        {
            MarketOrder order = MarketOrder.Make(i);
            Assert.Equal(LogResult.Ok, sink.TryLog(in order));
        }
    }
}
