using ParquetFlow.Sink.TestProcess;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Sink.Tests;

/// <summary>
/// The sink on a real full disk (issue 12 §4): a tmpfs whose every free block a filler file takes, so the kernel itself
/// answers ENOSPC to the sink's writes, journal appends and renames, not a simulated fault.
/// </summary>
public sealed class RealFullDiskTests
{
    private const int Batch = 200;

    [Fact]
    public void On_a_full_tmpfs_the_sink_reports_the_error_keeps_what_was_durable_and_resumes_when_space_returns()
    {
        using SmallDisk? disk = SmallDisk.TryMount(512, out string? refusal);
        if (disk is null)
        {
            Assert.Skip(refusal!);
        }

        string pattern = Path.Combine(disk.Path, "orders-{seq}.parquet");
        var options = new LogSinkOptions { FilePattern = pattern, RowGroupRows = Batch, RowGroupTimeout = TimeSpan.FromHours(1), MaxRowsPerFile = 4 * Batch };
        long next = 0;
        long lostWhileFull;
        using (var sink = new LogSink(MarketOrder.Layout, options))
        {
            // 1. Room to spare: two batches are durable.
            for (int i = 0; i < 2; i++)
            {
                next = Log(sink, next, Batch);
                sink.Flush();
            }

            long durableBefore = next;

            // 2. The disk is full: each flush fails with the kernel's reason, and the records it could not store are counted.
            disk.Fill();
            int failures = 0;
            for (int attempt = 0; attempt < 4; attempt++)
            {
                next = Log(sink, next, Batch);
                try
                {
                    sink.Flush();
                }
                catch (IOException e)
                {
                    failures++;
                    Assert.Contains("No space left on device", e.Message, StringComparison.Ordinal);
                }
            }

            Assert.True(failures > 0, "no flush failed on a full disk");
            LogSinkStatistics full = sink.Statistics;
            Assert.Contains("No space left on device", full.LastError, StringComparison.Ordinal);
            Assert.True(full.Lost > 0, "records refused by a full disk are not counted as lost");
            Assert.True(full.Written >= durableBefore);
            lostWhileFull = full.Lost;

            // 3. Space returns: the sink writes again without a restart, and a flush promises the new records.
            disk.Free();
            next = Log(sink, next, Batch);
            sink.Flush();
            next = Log(sink, next, Batch);
            sink.Flush();
            Assert.Equal(lostWhileFull, sink.Statistics.Lost);
        }

        // Every record is either in a finished file, once, or counted lost; the ones before the disk filled and after the
        // space returned are all there, and nothing is left in progress.
        Assert.Empty(Directory.GetFiles(disk.Path, "*.inprogress*"));
        string[] files = Directory.GetFiles(disk.Path, "*.parquet");
        long rows = Count(files, "count(*)");
        Assert.Equal(rows, Count(files, "count(DISTINCT order_id)"));
        Assert.Equal(next, rows + lostWhileFull);
        Assert.Equal(2 * Batch, Count(files, $"count(*) FILTER (WHERE order_id < {2 * Batch})"));
        Assert.Equal(2 * Batch, Count(files, $"count(*) FILTER (WHERE order_id >= {next - (2 * Batch)})"));
    }

    private static long Log(LogSink sink, long first, int count)
    {
        for (long i = first; i < first + count; i++)
        {
            MarketOrder order = MarketOrder.Make(i);
            Assert.Equal(LogResult.Ok, sink.TryLog(in order));
        }

        return first + count;
    }

    private static long Count(string[] files, string aggregate) =>
        Convert.ToInt64(TestSupport.Scalar($"SELECT {aggregate} FROM read_parquet({{f}})", files));
}
