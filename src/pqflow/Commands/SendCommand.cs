using System.CommandLine;
using System.Diagnostics;
using System.Net.Sockets;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.RawLog;

namespace ParquetFlow.Cli.Commands;

/// <summary><c>pqflow send</c>: the source document's test sender grown into a load generator.</summary>
internal static class SendCommand
{
    public static Command Create()
    {
        Option<string> host = CommonOptions.Host("Collector");
        Option<int> port = CommonOptions.Port("Collector port", 9000);
        Option<FramingKind> framing = CommonOptions.Framing();
        var clients = new Option<int>("--clients") { Description = "Concurrent connections, one source each", DefaultValueFactory = _ => 1 };
        var packets = new Option<int>("--packets") { Description = "Packets per client (0 = until --duration)", DefaultValueFactory = _ => 1000 };
        var duration = new Option<double>("--duration") { Description = "Seconds to send for when --packets is 0", DefaultValueFactory = _ => 10 };
        var registers = new Option<int>("--registers") { Description = "Registers per packet", DefaultValueFactory = _ => 100 };
        var rate = new Option<double>("--rate") { Description = "Packets per second per client (0 = as fast as possible)", DefaultValueFactory = _ => 0 };
        var fullEvery = new Option<int>("--full-every") { Description = "Every Nth packet is a FULL (0 = only DIFF)", DefaultValueFactory = _ => 0 };
        var firstSource = new Option<int>("--first-source") { Description = "Source id of the first client (client N sends as RACK-(first + N)), so several senders can feed distinct sources", DefaultValueFactory = _ => 1 };
        var malformed = new Option<bool>("--malformed") { Description = "End each client with a malformed frame (the server must close only that connection)" };
        var command = new Command("send", "Send rack/controller packets to a collector: clients, rate, registers per packet, framing, DIFF/FULL mix.");
        foreach (Option option in new Option[] { host, port, framing, clients, packets, duration, registers, rate, fullEvery, firstSource, malformed })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, token) =>
        {
            int count = parse.GetValue(registers);
            if (count is < 1 or > RackPacket.MaxRegisters)
            {
                Console.Error.WriteLine($"pqflow send: --registers must be 1..{RackPacket.MaxRegisters}");
                return 2;
            }

            // One source per client: the packet framing's src_id is one byte, the simple framing's rack id four.
            int clientCount = parse.GetValue(clients);
            long lastSource = (long)parse.GetValue(firstSource) + clientCount - 1;
            long maxSource = parse.GetValue(framing) == FramingKind.Packet ? byte.MaxValue : uint.MaxValue;
            if (clientCount < 1 || parse.GetValue(firstSource) < 0 || lastSource > maxSource)
            {
                Console.Error.WriteLine($"pqflow send: --clients {clientCount} from --first-source {parse.GetValue(firstSource)} needs sources up to {lastSource}; the {parse.GetValue(framing).ToString().ToLowerInvariant()} framing's source ids are 0..{maxSource}, one per client");
                return 2;
            }

            var clock = Stopwatch.StartNew();
            long[] sent = new long[clientCount];
            var settings = new SenderSettings
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                Framing = parse.GetValue(framing),
                Registers = count,
                Packets = parse.GetValue(packets),
                Duration = TimeSpan.FromSeconds(parse.GetValue(duration)),
                Rate = parse.GetValue(rate),
                FullEvery = parse.GetValue(fullEvery),
                FirstSource = parse.GetValue(firstSource),
                Malformed = parse.GetValue(malformed),
            };
            Task[] tasks = [.. Enumerable.Range(0, sent.Length).Select(c => PacketSender.RunAsync(c, settings, sent, token))];
            try
            {
                await Task.WhenAll(tasks);
            }
            catch (SocketException e)
            {
                Console.Error.WriteLine($"pqflow send: {e.Message}");
                return 1;
            }

            long total = sent.Sum();
            double seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"sent {total:N0} packets ({total * count:N0} registers) from {sent.Length} client(s) in {seconds:F2} s: {total / seconds:N0} packets/s, {total * count / seconds:N0} registers/s");
            return 0;
        });
        return command;
    }
}
