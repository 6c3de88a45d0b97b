using System.Buffers;
using System.Net.Sockets;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Server;

namespace ParquetFlow.Collector.Tests;

public sealed class FuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-fuzz-").FullName;

    [Fact]
    public async Task Random_bytes_from_many_clients_never_stop_the_server_or_disturb_a_good_client()
    {
        int seed = Environment.GetEnvironmentVariable("PQFLOW_TEST_SEED") is string s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (set PQFLOW_TEST_SEED to reproduce)");
        var random = new Random(seed);
        await using CollectorServer server = CollectorServer.Start(new CollectorOptions
        {
            DataDirectory = _directory,
            Listeners = [new ListenerOptions(0, FramingKind.Packet), new ListenerOptions(0, FramingKind.Simple)],
            FrameTimeout = TimeSpan.FromMilliseconds(300),
            WriteParquet = false,
        });

        using var good = new TcpClient();
        await good.ConnectAsync(server.EndPoints[0]);
        NetworkStream goodStream = good.GetStream();
        int goodFrames = 0;
        for (int round = 0; round < 60; round++)
        {
            // A fuzzing client: garbage, or a valid frame with bytes flipped, or a frame cut short, then it hangs up.
            using (var fuzzer = new TcpClient())
            {
                await fuzzer.ConnectAsync(server.EndPoints[round % 2]);
                byte[] bytes = Garbage(random, round % 2 == 0);
                try
                {
                    await fuzzer.GetStream().WriteAsync(bytes);
                }
                catch (IOException)
                {
                    // The server may already have closed it: that is the point.
                }
            }

            // The good client keeps working throughout.
            var diff = new RackPacket { Command = PacketCommand.Diff, SourceType = SourceType.Rtos, SourceId = 200, Sequence = round & 0xFF, TimestampUs = 1 };
            diff.SetCount(1);
            diff.Control[0] = 42;
            diff.Data[0] = (ushort)round;
            var writer = new ArrayBufferWriter<byte>();
            PacketFraming.Write(writer, diff);
            var query = new RackPacket { Command = PacketCommand.Query, SourceType = SourceType.Rtos, SourceId = 200, Sequence = 0 };
            query.SetCount(1);
            query.Control[0] = 42;
            PacketFraming.Write(writer, query);
            await goodStream.WriteAsync(writer.WrittenMemory);
            goodFrames++;
            byte[] reply = new byte[PacketFraming.HeaderSize + 4];
            await goodStream.ReadExactlyAsync(reply);
            Assert.Equal(round, BitConverter.ToUInt16(reply, PacketFraming.HeaderSize + 2));
        }

        // Every fuzzing connection ends (closed by the server or by its client); only the good one stays.
        for (int i = 0; i < 250 && server.Metrics.Connections != 1; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, server.Metrics.Connections);
        Assert.True(server.Metrics.Rejected > 0, "no fuzzing connection was rejected");
        Assert.True(server.Metrics.Frames >= 2 * goodFrames);

        // And the server still takes new clients, whose frames are logged like the good one's.
        using var late = new TcpClient();
        await late.ConnectAsync(server.EndPoints[1]);
        var frame = new RackPacket { TimestampUs = 1, SourceId = 9 };
        frame.SetCount(1);
        var lateBytes = new ArrayBufferWriter<byte>();
        SimpleFraming.Write(lateBytes, frame);
        NetworkStream lateStream = late.GetStream();
        await lateStream.WriteAsync(lateBytes.WrittenMemory);
        late.Client.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await lateStream.ReadAsync(new byte[1])); // the server read it all, then closed
        await server.StopAsync();
        Assert.Contains(new RawLogReader().Read(Path.Combine(_directory, "raw")), r => r.Framing == FramingKind.Simple && r.Frame.Length == SimpleFraming.HeaderSize + 4);
    }

    private static byte[] Garbage(Random random, bool packetFraming)
    {
        switch (random.Next(3))
        {
            case 0:
                byte[] noise = new byte[random.Next(1, 300)];
                random.NextBytes(noise);
                return noise;
            default:
                var p = new RackPacket { Command = PacketCommand.Diff, SourceType = SourceType.Rack, SourceId = random.Next(256), Sequence = 0, TimestampUs = 5 };
                p.SetCount(random.Next(1, 50));
                var writer = new ArrayBufferWriter<byte>();
                if (packetFraming)
                {
                    PacketFraming.Write(writer, p);
                }
                else
                {
                    SimpleFraming.Write(writer, p);
                }

                byte[] bytes = writer.WrittenSpan.ToArray();
                if (random.Next(2) == 0)
                {
                    return bytes[..random.Next(1, bytes.Length)]; // cut short
                }

                bytes[random.Next(Math.Min(bytes.Length, 24))] ^= (byte)(1 << random.Next(8)); // a flipped header bit
                return bytes;
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
