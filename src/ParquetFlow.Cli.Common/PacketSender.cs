using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.RawLog;

namespace ParquetFlow.Cli;

/// <summary>What one load-generating client sends (<c>pqflow send</c>, <c>pqflow bench collector</c>).</summary>
public sealed record SenderSettings
{
    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 9000;

    public FramingKind Framing { get; init; } = FramingKind.Packet;

    /// <summary>Registers per packet.</summary>
    public int Registers { get; init; } = 100;

    /// <summary>Packets per client; 0 sends until <see cref="Duration"/> has passed.</summary>
    public int Packets { get; init; } = 1000;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Packets per second per client; 0 sends as fast as the connection takes them.</summary>
    public double Rate { get; init; }

    /// <summary>Every Nth packet is a FULL; 0 sends only DIFF.</summary>
    public int FullEvery { get; init; }

    /// <summary>Source id of client 0; client N sends as RACK-(FirstSource + N).</summary>
    public int FirstSource { get; init; } = 1;

    /// <summary>End with a frame the server must reject.</summary>
    public bool Malformed { get; init; }
}

/// <summary>
/// One client of the load generator: source RACK-(first source + client), DIFF (and FULL) packets of consecutive registers at a
/// random start, written in 512 KiB batches (or one by one at a set rate); at the end it half-closes and waits for the
/// server to close, so every packet it sent has been accepted when it returns.
/// </summary>
public static class PacketSender
{
    /// <summary>Runs client number <paramref name="client"/>; adds each packet it sends to <paramref name="sent"/>[client].</summary>
    public static async Task RunAsync(int client, SenderSettings settings, long[] sent, CancellationToken token)
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(settings.Host, settings.Port, token);
        NetworkStream stream = tcp.GetStream();
        var packet = new RackPacket { SourceType = SourceType.Rack, SourceId = settings.FirstSource + client };
        int registers = settings.Registers;
        packet.SetCount(registers);
        var output = new ArrayBufferWriter<byte>(1 << 20);
        var clock = Stopwatch.StartNew();
        var random = new Random(client);
        for (long i = 0; settings.Packets > 0 ? i < settings.Packets : clock.Elapsed < settings.Duration; i++)
        {
            packet.Command = settings.FullEvery > 0 && i % settings.FullEvery == 0 ? PacketCommand.Full : PacketCommand.Diff;
            packet.Sequence = (int)(i & 0xFF);
            packet.TimestampUs = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
            int start = random.Next(RackPacket.MaxRegisters - registers + 1);
            for (int k = 0; k < registers; k++)
            {
                packet.Control[k] = (ushort)(start + k);
                packet.Data[k] = (ushort)(i + k);
            }

            if (settings.Framing == FramingKind.Simple)
            {
                SimpleFraming.Write(output, packet);
            }
            else
            {
                PacketFraming.Write(output, packet);
            }

            sent[client]++;
            if (output.WrittenCount > (1 << 19) || settings.Rate > 0)
            {
                await stream.WriteAsync(output.WrittenMemory, token);
                output.ResetWrittenCount();
            }

            if (settings.Rate > 0)
            {
                TimeSpan due = TimeSpan.FromSeconds((i + 1) / settings.Rate);
                if (due > clock.Elapsed)
                {
                    await Task.Delay(due - clock.Elapsed, token);
                }
            }
        }

        if (settings.Malformed)
        {
            output.Write(new byte[] { 0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0 });
        }

        await stream.WriteAsync(output.WrittenMemory, token);
        tcp.Client.Shutdown(SocketShutdown.Send);
        byte[] drain = new byte[256];
        while (await stream.ReadAsync(drain, token) > 0)
        {
        }
    }
}
