using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Output;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Server;
using ParquetFlow.Parquet;
using static ParquetFlow.Collector.Tests.CollectorServerTests;

namespace ParquetFlow.Collector.Tests;

/// <summary>What keeps a collector running for months: bounded open partitions, image.bin saved only on change, quiet partitions, file ages.</summary>
public sealed class LongRunTests : IDisposable
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 3, 0, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-longrun-").FullName;

    internal static RackPacket Rows(int source, int seq, int registers, DateTimeOffset time)
    {
        var p = new RackPacket
        {
            Command = PacketCommand.Diff,
            SourceType = SourceType.Rack,
            SourceId = source,
            Sequence = seq & 0xFF,
            TimestampUs = (time.UtcTicks - DateTime.UnixEpoch.Ticks) / 10,
        };
        p.SetCount(registers);
        for (int k = 0; k < registers; k++)
        {
            p.Control[k] = (ushort)k;
            p.Data[k] = (ushort)seq;
        }

        return p;
    }

    private string[] Finished(string? source = null) =>
        [.. Directory.EnumerateFiles(_directory, "*.parquet", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_directory, f))
            .Where(f => source is null || f.StartsWith($"source=RACK-{source}/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];

    private long FinishedRows() => Directory.EnumerateFiles(_directory, "*.parquet", SearchOption.AllDirectories).Sum(f => ParquetFooter.Read(f).Metadata.NumRows);

    private bool InProgress() => Directory.EnumerateFiles(_directory, "*.inprogress", SearchOption.AllDirectories).Any();

    [Fact]
    public void Many_sources_over_a_small_partition_limit_close_the_least_recently_written_and_reopen_as_the_next_part()
    {
        var clock = new FakeTimeProvider(s_start);
        long rows = 0;
        using (var output = new ParquetOutput(_directory, clock: clock) { MaxOpenPartitions = 4 })
        {
            for (int source = 0; source < 4; source++)
            {
                output.Write(Rows(source, 0, 10, s_start));
                rows += 10;
                clock.Advance(TimeSpan.FromSeconds(1));
            }

            // Source 0 is written again: source 1 is now the least recently written and makes room for source 4.
            output.Write(Rows(0, 1, 10, s_start));
            clock.Advance(TimeSpan.FromSeconds(1));
            output.Write(Rows(4, 0, 10, s_start));
            rows += 20;
            Assert.Equal(1, output.PartitionsEvicted);
            Assert.Single(Finished());
            Assert.Single(Finished("1"));
            Assert.Empty(Finished("0"));

            for (int source = 5; source < 40; source++)
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                output.Write(Rows(source, 0, 7, s_start));
                rows += 7;
                Assert.True(output.OpenPartitions <= 4, $"{output.OpenPartitions} partitions open past the limit of 4");
            }

            Assert.Equal(36, output.PartitionsEvicted);
            Assert.Equal(36, Finished().Length);

            // A frame for a closed partition reopens it as its next part file.
            output.Write(Rows(1, 1, 5, s_start));
            rows += 5;
            Assert.Equal(37, output.PartitionsEvicted);
            Assert.Equal(4, output.OpenPartitions);
            Assert.Equal(rows, output.Rows);
            Assert.Equal(0, output.Lost + output.Dropped);
        }

        Assert.False(InProgress());
        Assert.Equal(rows, FinishedRows());
        string[] parts = Finished("1");
        Assert.Equal(2, parts.Length);
        Assert.Matches(@"/part-000000-", parts[0]);
        Assert.Matches(@"/part-000001-", parts[1]);
    }

    [Fact]
    public void Quiet_partitions_get_a_row_group_when_their_oldest_row_is_old_enough_not_at_every_flush()
    {
        var clock = new FakeTimeProvider(s_start);
        using var output = new ParquetOutput(_directory, clock: clock);
        output.Write(Rows(1, 0, 10, s_start)); // quiet: 10 rows
        output.Write(Rows(2, 0, 5000, s_start)); // busy: more than QuietRowGroupRows
        output.Flush(quiet: true);
        Assert.Equal(5000, output.DurableRows);

        for (int i = 0; i < 11; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(5));
            output.Write(Rows(1, i + 1, 10, s_start));
            output.Flush(quiet: true);
            Assert.Equal(5000, output.DurableRows);
        }

        // The oldest quiet row is now a minute old: one row group holds all 120 rows.
        clock.Advance(TimeSpan.FromSeconds(5));
        output.Flush(quiet: true);
        Assert.Equal(5120, output.DurableRows);

        // Nothing new: nothing to flush, and a full flush takes everything at once.
        output.Flush(quiet: true);
        Assert.Equal(5120, output.DurableRows);
        output.Write(Rows(1, 20, 3, s_start));
        output.Flush();
        Assert.Equal(5123, output.DurableRows);
    }

    [Fact]
    public void A_partition_file_is_finished_at_the_maximum_age_and_the_next_frame_starts_a_new_one()
    {
        var clock = new FakeTimeProvider(s_start);
        using var output = new ParquetOutput(_directory, clock: clock);
        for (int minute = 0; minute < 59; minute++)
        {
            output.Write(Rows(1, minute, 10, s_start));
            clock.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal(0, output.CloseIdle(TimeSpan.FromMinutes(5)));
        }

        Assert.Empty(Finished());
        output.Write(Rows(1, 59, 10, s_start));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, output.CloseIdle(TimeSpan.FromMinutes(5)));
        Assert.Equal(1, output.PartitionsClosedForAge);
        Assert.Equal(0, output.PartitionsClosedIdle);
        Assert.Equal(600, FinishedRows());
        Assert.Equal(0, output.OpenPartitions);

        output.Write(Rows(1, 60, 10, s_start));
        Assert.Equal(1, output.OpenPartitions);
        output.Dispose();
        string[] parts = Finished("1");
        Assert.Equal(2, parts.Length);
        Assert.Matches(@"/part-000001-", parts[1]);
        Assert.Equal(610, output.DurableRows);
    }

    [Fact]
    public async Task Image_bin_is_saved_only_after_an_image_changed()
    {
        var clock = new FakeTimeProvider(s_start);
        string image = Path.Combine(_directory, "image.bin");
        var options = new CollectorOptions
        {
            DataDirectory = _directory,
            Listeners = [new ListenerOptions(0, FramingKind.Packet)],
            FlushInterval = TimeSpan.FromHours(1), // this test flushes itself
            TimeProvider = clock,
            WriteParquet = false,
        };
        await using (CollectorServer server = CollectorServer.Start(options))
        {
            using var client = new TcpClient();
            await client.ConnectAsync(server.EndPoints[0]);
            await client.GetStream().WriteAsync(Encode(Rows(1, 0, 10, s_start), packetFraming: true));
            await QueryAsync(client.GetStream(), 1, 0); // the frame before it is accepted
            server.Flush();
            Assert.Equal(1, server.Metrics.ImageSaves);
            byte[] saved = File.ReadAllBytes(image);
            DateTime written = File.GetLastWriteTimeUtc(image);

            // Idle (a query changes no image): flushes leave image.bin alone.
            for (int i = 0; i < 5; i++)
            {
                clock.Advance(TimeSpan.FromSeconds(5));
                await QueryAsync(client.GetStream(), 1, 0);
                server.Flush();
            }

            Assert.Equal(1, server.Metrics.ImageSaves);
            Assert.Equal(5, server.Metrics.ImageSavesUnneeded);
            Assert.Equal(written, File.GetLastWriteTimeUtc(image));
            Assert.Equal(saved, File.ReadAllBytes(image));

            await client.GetStream().WriteAsync(Encode(Rows(1, 1, 10, s_start), packetFraming: true));
            await QueryAsync(client.GetStream(), 1, 0);
            server.Flush();
            Assert.Equal(2, server.Metrics.ImageSaves);
            Assert.Equal(2, Instruments.Read(server, "pqflow_collector_image_saves_total"));
            Assert.NotEqual(saved, File.ReadAllBytes(image));
        }

        // A restart loads image.bin, which holds every image: nothing to save until one changes.
        await using (CollectorServer server = CollectorServer.Start(options))
        {
            server.Flush();
            Assert.Equal(0, server.Metrics.ImageSaves);
            Assert.Equal(1, server.Metrics.ImageSavesUnneeded);
            var values = new ushort[1];
            Assert.True(server.Images.Query(new Images.SourceKey(SourceType.Rack, 1), [0], values));
            Assert.Equal(1, values[0]);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
