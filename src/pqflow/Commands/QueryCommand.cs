using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using ParquetFlow.Collector.Framing;

namespace ParquetFlow.Cli.Commands;

/// <summary><c>pqflow query</c>: asks a running collector for register values of one source.</summary>
internal static class QueryCommand
{
    public static Command Create()
    {
        Option<string> host = CommonOptions.Host("Collector");
        Option<int> port = CommonOptions.Port("Port of a packet-framing listener", 9000);
        Option<bool> json = CommonOptions.Json();
        var type = new Option<SourceType>("--source-type") { Description = "Sbmu, Rack, Rtos or Unknown", DefaultValueFactory = _ => SourceType.Rack };
        var id = new Option<int>("--source-id") { Description = "Source number (0..255)", Required = true };
        var registers = new Argument<string[]>("registers") { Description = "Offsets or ranges: 4096 0x1001 10-20" };
        var command = new Command("query", "Ask a running collector for register values of one source.");
        foreach (Option option in new Option[] { host, port, type, id, json })
        {
            command.Options.Add(option);
        }

        command.Arguments.Add(registers);
        command.SetAction(async (parse, token) =>
        {
            var offsets = new List<ushort>();
            foreach (string spec in parse.GetValue(registers) ?? [])
            {
                string[] bounds = spec.Split('-');
                if (bounds.Length is < 1 or > 2 || !TryParse(bounds[0], out ushort from) || !TryParse(bounds[^1], out ushort to) || to < from)
                {
                    Console.Error.WriteLine($"pqflow query: '{spec}' is not a register offset or range (0..65535)");
                    return 2;
                }

                for (int r = from; r <= to && offsets.Count < 65_536; r++)
                {
                    offsets.Add((ushort)r);
                }
            }

            var query = new RackPacket { Command = PacketCommand.Query, SourceType = parse.GetValue(type), SourceId = parse.GetValue(id), Sequence = 0 };
            query.SetCount(offsets.Count);
            offsets.CopyTo(query.Control);
            var output = new ArrayBufferWriter<byte>();
            PacketFraming.Write(output, query);
            using var tcp = new TcpClient();
            try
            {
                await tcp.ConnectAsync(parse.GetValue(host)!, parse.GetValue(port), token);
                NetworkStream stream = tcp.GetStream();
                await stream.WriteAsync(output.WrittenMemory, token);
                byte[] reply = new byte[PacketFraming.HeaderSize + (4 * offsets.Count)];
                await stream.ReadExactlyAsync(reply, token);
                var buffer = new ReadOnlySequence<byte>(reply);
                var answer = new RackPacket();
                if (PacketFraming.TryRead(ref buffer, answer, out string? error, acceptReplies: true) != FrameStatus.Complete)
                {
                    Console.Error.WriteLine($"pqflow query: the reply does not parse: {error}");
                    return 1;
                }

                bool known = (answer.Flags & PacketFraming.UnknownSourceFlag) == 0;
                if (parse.GetValue(json))
                {
                    JsonOutput.Write(w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("source_type", query.SourceType.ToString().ToLowerInvariant());
                        w.WriteNumber("source_id", query.SourceId);
                        w.WriteBoolean("known", known);
                        w.WriteStartArray("registers");
                        for (int i = 0; i < answer.Count && known; i++)
                        {
                            w.WriteStartObject();
                            w.WriteNumber("offset", answer.Control[i]);
                            w.WriteNumber("value", answer.Data[i]);
                            w.WriteEndObject();
                        }

                        w.WriteEndArray();
                        w.WriteEndObject();
                    });
                }
                else
                {
                    var table = new TextTable("offset", "hex", "value", "value hex");
                    for (int i = 0; i < answer.Count && known; i++)
                    {
                        ushort value = answer.Data[i];
                        table.Add(
                            answer.Control[i].ToString(CultureInfo.InvariantCulture),
                            string.Create(CultureInfo.InvariantCulture, $"0x{answer.Control[i]:X4}"),
                            value.ToString(CultureInfo.InvariantCulture),
                            string.Create(CultureInfo.InvariantCulture, $"0x{value:X4}"));
                    }

                    if (known)
                    {
                        table.WriteTo(Console.Out, indent: "");
                    }
                }

                if (!known)
                {
                    Console.Error.WriteLine($"pqflow query: the collector has no image of {query.SourceType} {query.SourceId}");
                    return 1;
                }

                return 0;
            }
            catch (Exception e) when (e is SocketException or IOException or EndOfStreamException)
            {
                Console.Error.WriteLine($"pqflow query: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static bool TryParse(string text, out ushort value) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ushort.TryParse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value)
            : ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
