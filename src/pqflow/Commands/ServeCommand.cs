using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Server;

namespace ParquetFlow.Cli.Commands;

/// <summary><c>pqflow serve</c>: the rack/controller collector until SIGINT or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "TCP port of the listener (0 picks a free one)", DefaultValueFactory = _ => 9000 };
        var framing = new Option<FramingKind>("--framing") { Description = "Framing the listener's clients speak: Simple or Packet", DefaultValueFactory = _ => FramingKind.Packet };
        var extra = new Option<string[]>("--listen") { Description = "More listeners as PORT:simple|packet (repeatable)", AllowMultipleArgumentsPerToken = true };
        var data = new Option<string>("--data") { Description = "Directory for image.bin and the raw log", DefaultValueFactory = _ => "collector-data" };
        var status = new Option<double>("--status-seconds") { Description = "Seconds between status lines", DefaultValueFactory = _ => 5 };
        var timeout = new Option<double>("--frame-timeout") { Description = "Seconds a client may take to finish a frame it began", DefaultValueFactory = _ => 10 };
        var partitionIdle = new Option<double>("--partition-idle") { Description = "Seconds after which a Parquet partition nobody writes to gets its file completed", DefaultValueFactory = _ => 300 };
        var metrics = new Option<int?>("--metrics-port") { Description = "Serve Prometheus metrics at http://127.0.0.1:PORT/metrics" };
        var command = new Command("serve", "Collect rack/controller packets: raw log, live register images, queries; stops cleanly on SIGINT/SIGTERM.");
        foreach (Option option in new Option[] { port, framing, extra, data, status, timeout, partitionIdle, metrics })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, token) =>
        {
            if (parse.GetValue(partitionIdle) <= 0)
            {
                Console.Error.WriteLine("pqflow serve: --partition-idle must be a positive number of seconds");
                return 2;
            }

            var listeners = new List<ListenerOptions> { new(parse.GetValue(port), parse.GetValue(framing)) };
            foreach (string spec in parse.GetValue(extra) ?? [])
            {
                string[] parts = spec.Split(':');
                if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int p) || !Enum.TryParse(parts[1], ignoreCase: true, out FramingKind f))
                {
                    Console.Error.WriteLine($"pqflow serve: --listen {spec}: expected PORT:simple or PORT:packet");
                    return 2;
                }

                listeners.Add(new ListenerOptions(p, f));
            }

            // Diagnostics go to stderr; stdout carries the listening lines and the status.
            using ILoggerFactory logging = LoggerFactory.Create(b => b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).AddSimpleConsole(o => o.SingleLine = true));
            var stop = new TaskCompletionSource();
            using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
            using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
            CollectorServer server = CollectorServer.Start(new CollectorOptions
            {
                DataDirectory = parse.GetValue(data)!,
                Listeners = listeners,
                FrameTimeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
                MetricsPort = parse.GetValue(metrics),
                PartitionIdleTimeout = TimeSpan.FromSeconds(parse.GetValue(partitionIdle)),
                Logger = logging.CreateLogger("collector"),
            });
            for (int i = 0; i < listeners.Count; i++)
            {
                Console.WriteLine($"listening on {server.EndPoints[i]} ({listeners[i].Framing.ToString().ToLowerInvariant()} framing), data in {Path.GetFullPath(parse.GetValue(data)!)}");
            }

            if (server.MetricsEndPoint is { } endpoint)
            {
                Console.WriteLine($"metrics at http://{endpoint}/metrics");
            }

            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(0.1, parse.GetValue(status))));
            Task stopped = stop.Task;
            while (!stopped.IsCompleted)
            {
                Task tick = timer.WaitForNextTickAsync().AsTask();
                if (await Task.WhenAny(tick, stopped) == tick)
                {
                    Console.WriteLine(Status(server));
                }
            }

            Console.Error.WriteLine("stopping: no new connections; finishing open ones, fsyncing the raw log, writing image.bin");
            await server.DisposeAsync();
            Console.WriteLine("stopped: " + Status(server));
            if (server.NotStored is { } problem)
            {
                Console.Error.WriteLine($"pqflow serve: not everything received was stored: {problem}");
                return 1;
            }

            return 0;
        });
        return command;
    }

    private static string Status(CollectorServer server)
    {
        CollectorMetrics m = server.Metrics;
        return string.Create(CultureInfo.InvariantCulture, $"connections {m.Connections}, frames {m.Frames}, registers {m.Registers}, bytes {m.Bytes}, rejected {m.Rejected}, gaps {server.Images.SequenceGaps}, queries {m.QueriesAnswered}, sources {server.Images.Sources.Count}");
    }
}
