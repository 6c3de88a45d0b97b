using Microsoft.Extensions.Logging;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Output;
using ParquetFlow.Parquet;
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

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
