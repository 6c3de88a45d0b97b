using System.Buffers.Binary;
using ParquetFlow.Durability;
using ParquetFlow.Durability.Faults;
using ParquetFlow.Parquet;
using ParquetFlow.Sink.TestProcess;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Sink.Tests;

/// <summary>The sink under the storage seam's faults: failed fsyncs, failing disks, power cuts at every kind of call.</summary>
public sealed class StorageFaultTests
{
    private const int Batch = 40;

    [Fact]
    public void A_failed_fsync_abandons_the_file_and_writes_the_row_group_again_from_memory()
    {
        using var t = new TestSupport();
        var faults = new FaultyStorage();

        // The third fsync of a data file: two row groups are durable, the third's fsync fails.
        faults.Fail(StorageFault.IOError, StorageOperation.Sync, p => p.EndsWith(".inprogress", StringComparison.Ordinal), skip: 2);
        var options = new LogSinkOptions { FilePattern = t.PathOf("f-{seq}.parquet"), RowGroupRows = Batch, RowGroupTimeout = TimeSpan.FromHours(1), Storage = faults };
        using (var sink = new LogSink(MarketOrder.Layout, options))
        {
            Log(sink, 0, 5 * Batch);
            var e = Assert.Throws<IOException>(sink.Flush);
            Assert.Contains("fsync failed", e.Message, StringComparison.Ordinal);
            sink.Flush();
            Assert.Equal(0, sink.Statistics.Lost);
        }

        Assert.Empty(Directory.GetFiles(t.Directory, "*.inprogress*"));
        Assert.Equal(2, t.ParquetFiles().Length);
        AssertIds(t, 5 * Batch);
    }

    [Fact]
    public void A_disk_that_keeps_failing_loses_the_row_group_and_says_so()
    {
        using var t = new TestSupport();
        var faults = new FaultyStorage();
        var options = new LogSinkOptions { FilePattern = t.PathOf("f-{seq}.parquet"), RowGroupRows = Batch, RowGroupTimeout = TimeSpan.FromHours(1), Storage = faults };
        using var sink = new LogSink(MarketOrder.Layout, options);
        Log(sink, 0, Batch);
        sink.Flush();
        faults.Fail(StorageFault.IOError, StorageOperation.Sync, times: int.MaxValue);
        Log(sink, Batch, Batch);
        Assert.Throws<IOException>(sink.Flush);
        LogSinkStatistics stats = sink.Statistics;
        Assert.Equal(Batch, stats.Lost);
        Assert.Equal(Batch, stats.Written);
        Assert.Contains("fsync", stats.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void Failed_row_group_attempts_on_a_full_disk_leave_no_orphan_file_or_journal_and_the_sink_resumes_when_space_returns()
    {
        using var t = new TestSupport();
        var faults = new FaultyStorage();
        var options = new LogSinkOptions { FilePattern = t.PathOf("full-{seq}.parquet"), RowGroupRows = Batch, RowGroupTimeout = TimeSpan.FromHours(1), Storage = faults };
        using (var sink = new LogSink(MarketOrder.Layout, options))
        {
            Log(sink, 0, Batch);
            sink.Flush();
            foreach (StorageOperation refused in new[] { StorageOperation.Write, StorageOperation.Open, StorageOperation.Sync })
            {
                faults.Fail(StorageFault.DiskFull, refused, times: int.MaxValue);
                for (int attempt = 0; attempt < 3; attempt++)
                {
                    Log(sink, 0, Batch);
                    Assert.Throws<IOException>(sink.Flush);
                }

                faults.ClearFaults();
                string[] orphans = [.. Directory.GetFiles(t.Directory).Where(f => !f.EndsWith(".parquet", StringComparison.Ordinal) && !f.EndsWith(".inprogress", StringComparison.Ordinal) && !f.EndsWith(".inprogress.journal", StringComparison.Ordinal))];
                Assert.True(orphans.Length == 0, $"{refused}: {string.Join(", ", orphans)}");
                Assert.True(Directory.GetFiles(t.Directory, "*.journal").Length <= 1, $"{refused}: journals {string.Join(", ", Directory.GetFiles(t.Directory, "*.journal"))}");
            }

            // Space is back: the next batch is written without anyone restarting the sink.
            Log(sink, Batch, Batch);
            sink.Flush();
            Assert.Equal(9 * Batch, sink.Statistics.Lost);
        }

        Assert.Empty(Directory.GetFiles(t.Directory, "*.journal"));
        Assert.Empty(Directory.GetFiles(t.Directory, "*.inprogress"));
        Assert.Equal(2 * Batch, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f})", t.ParquetFiles())));
    }

    [Fact]
    public void A_torn_footer_is_never_trusted_while_a_journal_exists()
    {
        using var t = new TestSupport();
        string file = t.PathOf("torn.parquet");
        string inProgress = file + ParquetRecovery.InProgressSuffix;
        using (var durable = new DurableParquetFile(inProgress, MarketOrder.Layout.Schema, new ParquetWriterOptions(), durable: true, Storage.Default, DateTime.UtcNow))
        {
            var batch = new ColumnBatch(MarketOrder.Layout, Batch);
            for (int g = 0; g < 3; g++)
            {
                for (int i = 0; i < Batch; i++)
                {
                    MarketOrder order = MarketOrder.Make((g * Batch) + i);
                    batch.Append(System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<MarketOrder>(in order)));
                }

                RowGroupWriter group = durable.BeginRowGroup();
                batch.WriteTo(group);
                batch.Clear();
                durable.EndRowGroup(group, Batch);
            }
        }

        // A footer written and not yet fsynced when the power went: its blocks read back as zeros. Zeros parse as an
        // empty FileMetaData, so a reader that trusted the footer would call the file complete with 0 row groups.
        using (var stream = new FileStream(inProgress, FileMode.Append))
        {
            stream.Write(new byte[4096]);
            Span<byte> tail = stackalloc byte[8];
            BinaryPrimitives.WriteInt32LittleEndian(tail, 4096);
            "PAR1"u8.CopyTo(tail[4..]);
            stream.Write(tail);
        }

        RecoveryResult result = ParquetRecovery.Recover(inProgress);
        Assert.False(result.WasComplete);
        Assert.Equal(3, result.RowGroups);
        Assert.Equal(3 * Batch, ParquetFooter.Read(inProgress).Metadata.NumRows);
    }

    [Fact]
    public void A_damaged_leftover_is_set_aside_and_never_stops_a_start()
    {
        using var t = new TestSupport();
        File.WriteAllBytes(t.PathOf("old.parquet.inprogress"), new byte[1000]);
        File.WriteAllBytes(t.PathOf("old.parquet.inprogress.journal"), "PQFJ garbage that is no journal"u8.ToArray());
        using (var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = t.PathOf("new-{seq}.parquet"), RowGroupRows = Batch }))
        {
            string problem = Assert.Single(sink.RecoveryProblems);
            Assert.Contains("set aside", problem, StringComparison.Ordinal);
            Log(sink, 0, Batch);
        }

        Assert.True(File.Exists(t.PathOf("old.parquet.inprogress.unrecoverable")));
        Assert.True(File.Exists(t.PathOf("old.parquet.inprogress.unrecoverable.journal")));
        AssertIds(t, Batch);
    }

    [Fact]
    public void Age_rotation_follows_the_sink_clock_without_waiting()
    {
        using var t = new TestSupport();
        var clock = new ManualClock();
        var options = new LogSinkOptions { FilePattern = t.PathOf("age-{seq}.parquet"), MaxFileAge = TimeSpan.FromHours(1), RowGroupTimeout = TimeSpan.FromMinutes(1), TimeProvider = clock };
        using var sink = new LogSink(MarketOrder.Layout, options);
        Log(sink, 0, 1);
        sink.Flush();
        Assert.Equal(0, sink.Statistics.Files);
        clock.Advance(TimeSpan.FromHours(1));

        // The writer sees the hour pass on its next idle tick (a millisecond away): poll its counter, bounded.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var spin = default(SpinWait);
        while (sink.Statistics.Files == 0 && DateTime.UtcNow < deadline)
        {
            spin.SpinOnce();
        }

        Assert.Equal(1, sink.Statistics.Files);
    }

    /// <summary>
    /// Cuts the power at every call the scenario makes through the seam (data writes and fsyncs, journal appends,
    /// renames, directory fsyncs), lets a random part of the unsynced writes survive, restarts the sink on the disk the
    /// cut left, and checks that every record a returned Flush promised is there, once, in a readable file.
    /// </summary>
    [Fact]
    public void Every_flushed_record_survives_a_power_cut_at_any_call()
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        long calls = RunUntilCut(new FaultyStorage(recordDurability: true), Path.Combine(Path.GetTempPath(), "pqflow-cut-count-" + Guid.NewGuid().ToString("N")), out _, cleanUp: true);
        Assert.True(calls > 50, $"the scenario made only {calls} calls");
        for (long cut = 1; cut <= calls; cut += (1 + random.Next(3)) * TestScale.Stride)
        {
            using var t = new TestSupport();
            var faults = new FaultyStorage(recordDurability: true);
            faults.CutPowerAt(cut);
            RunUntilCut(faults, t.Directory, out long promised, cleanUp: false);
            double keep = random.Next(3) switch { 0 => 0, 1 => 0.5, _ => 1 };
            faults.ApplyPowerLoss(new PowerLossOptions { KeepUnsyncedProbability = keep, TearBlockSize = random.Next(2) == 0 ? 512 : 4096, Random = new Random(seed + (int)cut) });

            string context = $"seed {seed}, cut at call {cut} of {calls}, keep {keep}, promised {promised}";
            using (var restarted = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = t.PathOf("p-{seq}.parquet"), RowGroupRows = Batch }))
            {
                Assert.True(restarted.RecoveryProblems.Count == 0, $"{context}: {string.Join("; ", restarted.RecoveryProblems)}");
            }

            string[] files = t.ParquetFiles();
            long rows = files.Length == 0 ? 0 : Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f})", files));
            long distinct = files.Length == 0 ? 0 : Convert.ToInt64(TestSupport.Scalar("SELECT count(DISTINCT order_id) FROM read_parquet({f})", files));
            long prefix = files.Length == 0 ? 0 : Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f}) WHERE order_id < " + promised, files));
            Assert.True(rows == distinct, $"{context}: {rows} rows but {distinct} distinct ids");
            Assert.True(prefix == promised, $"{context}: {prefix} of the {promised} promised records are there");
        }
    }

    /// <summary>Logs batches, flushing after each, until the power goes; <paramref name="promised"/> is the count of records the last returned Flush promised.</summary>
    private static long RunUntilCut(FaultyStorage faults, string directory, out long promised, bool cleanUp)
    {
        promised = 0;
        var options = new LogSinkOptions { FilePattern = Path.Combine(directory, "p-{seq}.parquet"), RowGroupRows = Batch, MaxRowsPerFile = 3 * Batch, RowGroupTimeout = TimeSpan.FromHours(1), Storage = faults };
        try
        {
            using var sink = new LogSink(MarketOrder.Layout, options);
            for (int b = 0; b < 12; b++)
            {
                Log(sink, b * Batch, Batch);
                try
                {
                    sink.Flush();
                }
                catch (IOException)
                {
                    return faults.Calls;
                }

                promised = (b + 1) * Batch;
            }
        }
        catch (IOException) when (faults.PoweredOff)
        {
        }
        finally
        {
            if (cleanUp)
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        return faults.Calls;
    }

    private static void Log(LogSink sink, long first, int count)
    {
        for (long i = first; i < first + count; i++)
        {
            MarketOrder order = MarketOrder.Make(i);
            Assert.Equal(LogResult.Ok, sink.TryLog(in order));
        }
    }

    private static void AssertIds(TestSupport t, long count)
    {
        string[] files = t.ParquetFiles();
        Assert.Equal(count, Convert.ToInt64(TestSupport.Scalar("SELECT count(DISTINCT order_id) FROM read_parquet({f})", files)));
        Assert.Equal(count, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f})", files)));
        Assert.Equal(count - 1, Convert.ToInt64(TestSupport.Scalar("SELECT max(order_id) FROM read_parquet({f})", files)));
    }

    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = DateTime.UnixEpoch.AddYears(56).Ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
