using Microsoft.Extensions.Logging;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Output;
using ParquetFlow.Durability.Faults;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Collector.Tests;

public sealed class ParquetOutputTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-output-").FullName;

    private static RackPacket Diff(int source, int seq, int registers)
    {
        var p = new RackPacket { Command = PacketCommand.Diff, SourceType = SourceType.Rack, SourceId = source, Sequence = seq & 0xFF, TimestampUs = 1_700_000_000_000_000 + seq };
        p.SetCount(registers);
        for (int k = 0; k < registers; k++)
        {
            p.Control[k] = (ushort)k;
            p.Data[k] = (ushort)seq;
        }

        return p;
    }

    private string[] Files() => [.. Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_directory, f)).Order(StringComparer.Ordinal)];

    private long Rows() => Directory.EnumerateFiles(_directory, "*.parquet", SearchOption.AllDirectories).Sum(f => ParquetFooter.Read(f).Metadata.NumRows);

    [Theory]
    [InlineData(1, 256 << 10)]
    [InlineData(128, 256 << 10)]
    [InlineData(129, 128 << 10)]
    [InlineData(1000, 32 << 10)]
    [InlineData(100_000, 16 << 10)]
    public void Partition_rings_share_one_budget_by_the_partitions_that_may_be_open(int partitions, int ringBytes)
    {
        using var output = new ParquetOutput(_directory) { MaxOpenPartitions = partitions };
        Assert.Equal(ringBytes, output.PartitionRingBytes);
        using var set = new ParquetOutput(_directory) { MaxOpenPartitions = partitions, RingBytes = 4096 };
        Assert.Equal(4096, set.PartitionRingBytes);
    }

    [Fact]
    public void Idle_partitions_are_completed_and_a_later_row_reopens_them_with_files_numbered_after_the_old_ones()
    {
        using var output = new ParquetOutput(_directory);
        output.Write(Diff(1, 0, 10));
        output.Write(Diff(2, 0, 5));
        Assert.Equal(2, output.OpenPartitions);
        Assert.Equal(0, output.CloseIdle(TimeSpan.FromHours(1)));

        Assert.Equal(2, output.CloseIdle(TimeSpan.Zero));
        Assert.Equal(0, output.OpenPartitions);
        string[] closed = Files();
        Assert.Equal(2, closed.Length);
        Assert.All(closed, f => Assert.Matches(@"^source=RACK-[12]/date=2023-11-14/part-000000-\d{8}T\d{9}Z\.parquet$", f));
        Assert.Equal(15, Rows());

        output.Write(Diff(1, 1, 7));
        output.Flush();
        Assert.Equal(1, output.OpenPartitions);
        string reopened = Assert.Single(Files().Except(closed), f => !f.EndsWith(".journal", StringComparison.Ordinal));
        Assert.Matches(@"^source=RACK-1/date=2023-11-14/part-000001-\d{8}T\d{9}Z\.parquet\.inprogress$", reopened);
        output.Dispose();
        Assert.Equal(22, Rows());
    }

    [Fact]
    public void Every_partitions_sink_reports_through_the_outputs_logger()
    {
        var logger = new ListLogger();
        using (var output = new ParquetOutput(_directory, logger: logger))
        {
            output.Write(Diff(1, 0, 10));
            output.Write(Diff(2, 0, 5));
        }

        // Each partition's file, completed at dispose, is reported by its own sink: the collector's operator sees them.
        var completed = logger.Matching(LogLevel.Information, "completed ");
        Assert.Equal(2, completed.Count);
        Assert.Contains(completed, e => e.Message.Contains("source=RACK-1", StringComparison.Ordinal) && e.Message.Contains(": 10 rows", StringComparison.Ordinal));
        Assert.Contains(completed, e => e.Message.Contains("source=RACK-2", StringComparison.Ordinal) && e.Message.Contains(": 5 rows", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Closing_idle_partitions_while_writers_write_loses_no_row()
    {
        // Writers of one source are serialized by the server; here each task owns its source. A closer keeps closing
        // every partition without a writer inside it at that moment. Every 50 packets a writer waits for two of the
        // closer's passes, so one pass surely began after it left: its partition is closed while the others write, and
        // its next packet reopens it. No timing decides what the test checks.
        long written = 0;
        using (var output = new ParquetOutput(_directory))
        {
            using var stop = new CancellationTokenSource();
            int closed = 0;
            long passes = 0;
            Task closer = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    closed += output.CloseIdle(TimeSpan.Zero);
                    Interlocked.Increment(ref passes);
                    await Task.Delay(1);
                }
            });
            await Task.WhenAll(Enumerable.Range(0, 4).Select(source => Task.Run(async () =>
            {
                for (int seq = 0; seq < 300; seq++)
                {
                    output.Write(Diff(source, seq, 1 + (seq % 9)));
                    Interlocked.Add(ref written, 1 + (seq % 9));
                    if (seq % 50 == 0)
                    {
                        long seen = Interlocked.Read(ref passes);
                        while (Interlocked.Read(ref passes) < seen + 2 && !closer.IsCompleted)
                        {
                            await Task.Delay(1);
                        }
                    }
                }
            })));
            await stop.CancelAsync();
            await closer;
            Assert.True(closed >= 4 * 6, $"the closer closed only {closed} partitions");
            Assert.Equal(written, output.Rows);
        }

        Assert.Equal(written, Rows());
        Assert.DoesNotContain(Files(), f => f.EndsWith(".inprogress", StringComparison.Ordinal));
    }

    [Fact]
    public void A_packet_becomes_the_rows_one_record_per_register_made()
    {
        // What the output wrote before column batches: one 28-byte record per register through TryLog. The column batch
        // (repeated time, source and sequence; the offsets and values widened from ushort) must give the same rows in the
        // same order, extremes of the 16-bit values, a sequence of -1 and a 65,536-register packet included.
        int seed = Environment.TickCount;
        var random = new Random(seed);
        var packets = new List<RackPacket>();
        foreach (int registers in new[] { 1, 100, 7, RackPacket.MaxRegisters, 3, 100, 250 })
        {
            var p = new RackPacket { Command = packets.Count % 2 == 0 ? PacketCommand.Diff : PacketCommand.Full, SourceType = SourceType.Rack, SourceId = 42, Sequence = packets.Count == 1 ? -1 : random.Next(256), TimestampUs = 1_700_000_000_000_000 + (packets.Count * 1_000_003L) };
            p.SetCount(registers);
            for (int k = 0; k < registers; k++)
            {
                p.Control[k] = k < 2 ? (k == 0 ? ushort.MaxValue : (ushort)0) : (ushort)random.Next(65_536);
                p.Data[k] = k < 2 ? (k == 0 ? (ushort)0 : ushort.MaxValue) : (ushort)random.Next(65_536);
            }

            packets.Add(p);
        }

        using (var output = new ParquetOutput(_directory))
        {
            foreach (RackPacket p in packets)
            {
                output.Write(p);
            }
        }

        string reference = Path.Combine(_directory, "reference.parquet");
        using (var sink = new LogSink(ParquetOutput.Layout, new LogSinkOptions { FilePattern = reference, FullMode = RingFullMode.Wait }))
        {
            foreach (RackPacket p in packets)
            {
                for (int k = 0; k < p.Count; k++)
                {
                    Assert.Equal(LogResult.Ok, sink.TryLog(new RegisterRecord(p.TimestampUs, (int)p.SourceType, p.SourceId, p.Sequence, p.Control[k], p.Data[k])));
                }
            }
        }

        string[] written = [.. Directory.EnumerateFiles(Path.Combine(_directory, "source=RACK-42"), "*.parquet", SearchOption.AllDirectories)];
        long rows = packets.Sum(p => (long)p.Count);
        Assert.Equal(rows, Rows() - rows); // the partition's files hold as many rows as the reference
        const string Dump = "SELECT count(*)::VARCHAR || ' ' || md5(string_agg(concat_ws(',', epoch_us(time), source_type, source_id, seq, \"offset\", value), ';' ORDER BY filename, file_row_number)) FROM read_parquet({f}, filename = true, file_row_number = true)";
        Assert.True(Scalar(Dump, reference) == Scalar(Dump, written), $"the rows differ (seed {seed})");
        Assert.Equal(1L, Convert.ToInt64(Scalar("SELECT count(*) FROM read_parquet({f}) WHERE seq = -1 AND \"offset\" = 65535 AND value = 0", written)));
    }

    private static string? Scalar(string sql, params string[] files)
    {
        using var duck = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:");
        duck.Open();
        using DuckDB.NET.Data.DuckDBCommand command = duck.CreateCommand();
        command.CommandText = sql.Replace("{f}", "[" + string.Join(", ", files.Select(f => "'" + f + "'")) + "]", StringComparison.Ordinal);
        return command.ExecuteScalar()?.ToString();
    }

    /// <summary>The record the output logged per register before it logged column batches.</summary>
    /// <summary>Storage that runs <paramref name="onCreate"/> when a directory of rack <paramref name="source"/>'s partition is created (the partition's opening).</summary>
    private static FaultyStorage OnPartitionCreated(int source, Action onCreate)
    {
        string partition = $"source=RACK-{source}";
        return new FaultyStorage
        {
            OnCall = (_, operation, path) =>
            {
                if (operation == StorageOperation.CreateDirectory && path.Contains(partition, StringComparison.Ordinal))
                {
                    onCreate();
                }
            },
        };
    }

    [Fact]
    public async Task A_partition_being_opened_holds_up_only_its_own_frames()
    {
        using var opening = new ManualResetEventSlim(false);
        using var gate = new ManualResetEventSlim(false);
        var storage = OnPartitionCreated(7, () =>
        {
            opening.Set();
            gate.Wait();
        });
        using (var output = new ParquetOutput(_directory, storage: storage))
        {
            Task slow = Task.Run(() => output.Write(Diff(7, 0, 10)));
            Assert.True(opening.Wait(TimeSpan.FromSeconds(30)), "rack 7's partition never started opening");

            // Opening rack 7's sink runs outside the output's lock: another source's frames, its room and the open
            // partitions' count go on meanwhile (before, every frame waited for the opening).
            Task other = Task.Run(() =>
            {
                output.Write(Diff(8, 0, 5));
                output.Write(Diff(8, 1, 5));
            });
            await other.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken); // times out when rack 8 waited for rack 7's opening
            Assert.True(output.WaitForRoomAsync(Diff(7, 1, 10), 1_700_000_000_000_001).IsCompletedSuccessfully);
            Assert.Equal(2, output.OpenPartitions);
            Task second = Task.Run(() => output.Write(Diff(7, 1, 10)));
            Assert.NotSame(second, await Task.WhenAny(second, Task.Delay(200, TestContext.Current.CancellationToken)));

            gate.Set();
            await Task.WhenAll(slow, second).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            Assert.Equal(30, output.Rows);
        }

        Assert.Equal(30, Rows());
    }

    [Fact]
    public void A_partition_that_fails_to_open_fails_its_frame_and_the_next_frame_opens_it_afresh()
    {
        int attempts = 0;
        var storage = OnPartitionCreated(9, () =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                throw new IOException("EIO creating the partition's directory (injected)");
            }
        });
        using (var output = new ParquetOutput(_directory, storage: storage))
        {
            IOException failed = Assert.Throws<IOException>(() => output.Write(Diff(9, 0, 10)));
            Assert.Contains("injected", failed.Message, StringComparison.Ordinal);
            Assert.Equal(0, output.OpenPartitions);
            Assert.Equal(0, output.Rows);

            output.Write(Diff(9, 1, 4));
            output.Write(Diff(3, 0, 6));
            Assert.Equal(2, output.OpenPartitions);
        }

        Assert.True(attempts >= 2);
        Assert.Equal(10, Rows());
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Pack = 1)]
    private readonly record struct RegisterRecord(long TimeUs, int SourceType, int SourceId, int Seq, int Offset, int Value);

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
