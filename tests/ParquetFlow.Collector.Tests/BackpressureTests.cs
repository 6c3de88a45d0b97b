using System.Net.Sockets;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Server;
using ParquetFlow.Durability;
using ParquetFlow.Durability.Faults;
using ParquetFlow.Parquet;
using static ParquetFlow.Collector.Tests.CollectorServerTests;

namespace ParquetFlow.Collector.Tests;

/// <summary>
/// Backpressure by awaiting room: a connection whose Parquet partition cannot keep up stops reading its socket (its
/// frames wait in the kernel and the pipe) instead of spinning a pool thread under its source's lock; other sources go
/// on; when the partition's writer catches up, every frame arrives, none lost. A partition whose writer died fails its
/// connection at once.
/// </summary>
public sealed class BackpressureTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-backpressure-").FullName;

    private CollectorOptions Options(Storage storage) => new()
    {
        DataDirectory = _directory,
        Listeners = [new ListenerOptions(0, FramingKind.Packet)],
        FlushInterval = TimeSpan.FromMinutes(10),
        MaxTimestampAge = TimeSpan.MaxValue,
        MaxTimestampLead = TimeSpan.MaxValue,
        Storage = storage,
    };

    /// <summary>Storage whose writes to Parquet files of rack <paramref name="source"/> block while <paramref name="gate"/> is reset.</summary>
    private static FaultyStorage Gated(int source, ManualResetEventSlim gate, Action? onWrite = null)
    {
        string partition = $"source=RACK-{source}{Path.DirectorySeparatorChar}";
        return new FaultyStorage
        {
            OnCall = (_, operation, path) =>
            {
                if (operation == StorageOperation.Write && path.Contains(partition, StringComparison.Ordinal) && path.Contains(".parquet", StringComparison.Ordinal))
                {
                    onWrite?.Invoke();
                    gate.Wait();
                }
            },
        };
    }

    private static byte[] Packets(int source, int count, int registers)
    {
        using var bytes = new MemoryStream();
        for (int seq = 0; seq < count; seq++)
        {
            bytes.Write(Encode(LongRunTests.Rows(source, seq, registers, DateTimeOffset.UtcNow), packetFraming: true));
        }

        return bytes.ToArray();
    }

    private long FinishedRows(int source) =>
        Directory.EnumerateFiles(Path.Combine(_directory, "parquet"), "*.parquet", SearchOption.AllDirectories)
            .Where(f => f.Contains($"source=RACK-{source}{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Sum(f => ParquetFooter.Read(f).Metadata.NumRows);

    [Fact]
    public async Task A_stalled_partition_stops_its_connection_reading_while_other_sources_go_on_and_loses_nothing()
    {
        const int Packets1 = 4_000;
        const int Registers = 100;
        using var gate = new ManualResetEventSlim(false);
        CollectorServer server = CollectorServer.Start(Options(Gated(1, gate)));
        try
        {
            // Rack 1's writer blocks in its first row-group write: its ring fills, and its connection must wait.
            using var stalled = new TcpClient();
            await stalled.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);
            Task sending = stalled.GetStream().WriteAsync(Packets(1, Packets1, Registers), TestContext.Current.CancellationToken).AsTask();
            await WaitUntil(() => server.Metrics.BackpressureWaits > 0);
            long stalledAt = server.Metrics.Frames;
            Assert.True(stalledAt < Packets1, $"all {stalledAt} frames were taken in although the partition never wrote");

            // Another source, on another connection, is not held up by the stalled one.
            using var other = new TcpClient();
            await other.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);
            await other.GetStream().WriteAsync(Packets(2, 50, Registers), TestContext.Current.CancellationToken);
            await WaitUntil(() => server.Metrics.Frames >= stalledAt + 50);

            // Still waiting: rack 1's frames are not taken in while its writer is stuck.
            await Task.Delay(200, TestContext.Current.CancellationToken);
            Assert.True(server.Metrics.Frames < Packets1 + 50, "the stalled connection went on although its partition had no room");

            gate.Set();
            await sending;
            await WaitUntil(() => server.Metrics.Frames == Packets1 + 50);
            Assert.Equal(0, server.Metrics.Rejected);
        }
        finally
        {
            gate.Set();
            await server.DisposeAsync();
        }

        Assert.Equal((long)Packets1 * Registers, FinishedRows(1));
        Assert.Equal(50L * Registers, FinishedRows(2));
    }

    [Fact]
    public async Task A_partition_whose_writer_died_closes_its_connection_and_the_server_goes_on()
    {
        using var gate = new ManualResetEventSlim(true);
        bool armed = false;
        var storage = Gated(1, gate, onWrite: () =>
        {
            if (Volatile.Read(ref armed))
            {
                throw new InvalidOperationException("injected: a bug in the writer");
            }
        });
        await using CollectorServer server = CollectorServer.Start(Options(storage));
        Volatile.Write(ref armed, true);
        using var doomed = new TcpClient();
        await doomed.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);
        try
        {
            await doomed.GetStream().WriteAsync(Packets(1, 4_000, 100), TestContext.Current.CancellationToken);
        }
        catch (IOException)
        {
            // The server closed the connection while this was still sending: what the test expects.
        }

        // The connection is closed with the reason (counted as a bad frame), instead of waiting for ever.
        await WaitUntil(() => server.Metrics.Rejected == 1 && server.Metrics.Connections == 0);

        // Other sources are still taken in.
        using var other = new TcpClient();
        await other.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);
        long before = server.Metrics.Frames;
        await other.GetStream().WriteAsync(Packets(2, 10, 100), TestContext.Current.CancellationToken);
        await WaitUntil(() => server.Metrics.Frames == before + 10);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
