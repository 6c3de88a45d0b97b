using System.Net.Sockets;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Images;
using ParquetFlow.Collector.Output;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Server;
using ParquetFlow.Durability.Faults;

namespace ParquetFlow.Collector.Tests;

/// <summary>What a power cut leaves of the collector: image.bin never ahead of the durable raw log, restarts that rebuild the live state, leftovers recovered at start.</summary>
public sealed class ImageDurabilityTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-imagedur-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private CollectorServer Start(Durability.Storage storage) => CollectorServer.Start(new CollectorOptions
    {
        DataDirectory = _directory,
        MaxTimestampAge = TimeSpan.MaxValue,
        Listeners = [new ListenerOptions(0, FramingKind.Packet)],
        FlushInterval = TimeSpan.FromHours(1),
        WriteParquet = false,
        Storage = storage,
    });

    /// <summary>Sends frames 0..count-1 after <paramref name="first"/> (register 7 of source 1 := frame number) and waits until the server accepted them.</summary>
    private static async Task SendAsync(CollectorServer server, NetworkStream stream, int first, int count)
    {
        long before = server.Metrics.Frames;
        for (int i = first; i < first + count; i++)
        {
            await stream.WriteAsync(CollectorServerTests.Encode(CollectorServerTests.Diff(1, i & 0xFF, 7, (ushort)i), packetFraming: true));
        }

        await CollectorServerTests.WaitUntil(() => server.Metrics.Frames == before + count);
    }

    private static ushort Register7(RegisterImages images)
    {
        ushort[] value = new ushort[1];
        images.Query(new SourceKey(SourceType.Rack, 1), [7], value);
        return value[0];
    }

    [Fact]
    public async Task Image_bin_is_not_rewritten_past_a_raw_log_fsync_that_failed()
    {
        var storage = new FaultyStorage(recordDurability: true);
        CollectorServer server = Start(storage);
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(server.EndPoints[0]);
            await SendAsync(server, client.GetStream(), 0, 10);
            server.Flush();
            Assert.Equal(10, server.Metrics.FramesDurable);

            // The raw log's fsync fails: its last ten frames may never reach the disk, so image.bin must not hold them.
            await SendAsync(server, client.GetStream(), 10, 10);
            storage.Fail(StorageFault.IOError, StorageOperation.Sync, p => p.Contains("/raw/", StringComparison.Ordinal));
            server.Flush();
            Assert.Equal(10, server.Metrics.FramesDurable);
            Assert.Contains("image.bin", server.Metrics.LastError, StringComparison.Ordinal);

            // A second flush succeeds on the raw log's next file, but the frames at risk stay a hole: no promise past it.
            server.Flush();
            Assert.Equal(10, server.Metrics.FramesDurable);
        }

        storage.CutPower();
        await server.DisposeAsync();
        storage.ApplyPowerLoss();

        var saved = new RegisterImages();
        RawLogPosition? covers = saved.Load(Path.Combine(_directory, "image.bin"));
        Assert.NotNull(covers);
        Assert.Equal(9, Register7(saved));
        var replayed = new RegisterImages();
        Assert.Equal(10, Replay.Images(Path.Combine(_directory, "raw"), replayed, new RawLogReader()));
        Assert.Equal(Register7(replayed), Register7(saved));
    }

    [Fact]
    public async Task A_restart_replays_the_raw_log_after_the_position_image_bin_covers()
    {
        var storage = new FaultyStorage();
        await using (CollectorServer server = Start(storage))
        {
            using var client = new TcpClient();
            await client.ConnectAsync(server.EndPoints[0]);
            await SendAsync(server, client.GetStream(), 0, 10);
            server.Flush();
            await SendAsync(server, client.GetStream(), 10, 5);

            // The last image save fails: image.bin covers frames 0..9, the raw log holds 0..14.
            storage.Fail(StorageFault.DiskFull, StorageOperation.Write, p => p.Contains("image.bin", StringComparison.Ordinal), times: int.MaxValue);
        }

        var saved = new RegisterImages();
        Assert.NotNull(saved.Load(Path.Combine(_directory, "image.bin")));
        Assert.Equal(9, Register7(saved));
        await using CollectorServer restarted = Start(Durability.Storage.Default);
        Assert.Equal(5, restarted.ImageFramesReplayed);
        Assert.Equal(14, Register7(restarted.Images));
    }

    [Fact]
    public void Every_partitions_leftovers_are_recovered_when_the_output_opens()
    {
        string root = Path.Combine(_directory, "parquet");
        var storage = new FaultyStorage(recordDurability: true);
        var output = new ParquetOutput(root, storage: storage);
        var packet = new RackPacket { Command = PacketCommand.Diff, SourceType = SourceType.Rack };
        packet.SetCount(1);
        for (int source = 1; source <= 2; source++)
        {
            packet.SourceId = source;
            for (int i = 0; i < 100; i++)
            {
                packet.TimestampUs = (source * 86_400_000_000L) + i;
                packet.Control[0] = (ushort)i;
                packet.Data[0] = (ushort)i;
                output.Write(packet, packet.TimestampUs);
            }
        }

        output.Flush();
        storage.CutPower();
        try
        {
            output.Dispose();
        }
        catch (IOException)
        {
        }

        storage.ApplyPowerLoss();
        Assert.Equal(2, Directory.GetFiles(root, "*.inprogress", SearchOption.AllDirectories).Length);

        // Neither partition gets a row after the restart; both files are complete anyway.
        using var reopened = new ParquetOutput(root);
        Assert.Equal(2, reopened.RecoveredFiles.Count);
        Assert.Empty(reopened.RecoveryProblems);
        Assert.Empty(Directory.GetFiles(root, "*.inprogress*", SearchOption.AllDirectories));
        Assert.Equal(200, Directory.GetFiles(root, "*.parquet", SearchOption.AllDirectories).Sum(f => Parquet.ParquetFooter.Read(f).Metadata.NumRows));
        Assert.Equal(0, reopened.OpenPartitions);
    }
}
