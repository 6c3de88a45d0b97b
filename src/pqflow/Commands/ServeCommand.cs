using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Retention;
using ParquetFlow.Collector.Server;
using ParquetFlow.Parquet;

namespace ParquetFlow.Cli.Commands;

/// <summary><c>pqflow serve</c>: the rack/controller collector until SIGINT or SIGTERM.</summary>
internal static class ServeCommand
{
    /// <summary>The longest time an option takes: 100 years, far inside TimeSpan's range.</summary>
    private const double MaxSeconds = 100 * 365.25 * 86400;

    public static Command Create()
    {
        Option<int> port = CommonOptions.Port("TCP port of the listener (0 picks a free one)", 9000);
        Option<FramingKind> framing = CommonOptions.Framing("Framing the listener's clients speak: Simple or Packet");
        var extra = new Option<string[]>("--listen")
        {
            Description = "Listeners as [ADDR:]PORT[:simple|packet] (repeatable; loopback and --framing when left out), e.g. 0.0.0.0:9000 or 9001:simple; given with no --port, they replace the --port listener",
            AllowMultipleArgumentsPerToken = true,
        };
        var data = new Option<string>("--data") { Description = "Directory for image.bin and the raw log", DefaultValueFactory = _ => "collector-data" };
        var status = new Option<double>("--status-seconds") { Description = "Seconds between status lines", DefaultValueFactory = _ => 5 };
        var timeout = new Option<double>("--frame-timeout") { Description = "Seconds a client may take to finish a frame it began", DefaultValueFactory = _ => 10 };
        var partitionIdle = new Option<double>("--partition-idle") { Description = "Seconds after which a Parquet partition nobody writes to gets its file completed", DefaultValueFactory = _ => 300 };
        var writers = new Option<int>("--parquet-writers") { Description = "Writer threads shared by the open Parquet partitions", DefaultValueFactory = _ => 2 };
        var ringMemory = new Option<int>("--ring-memory") { Description = "MiB the rings of all open Parquet partitions take together, shared by --max-partitions (each 16-256 KiB)", DefaultValueFactory = _ => 32 };
        var rowMemory = new Option<int>("--row-memory") { Description = "MiB the rows waiting for their row group may take in all partitions together; past it the largest write theirs early", DefaultValueFactory = _ => 64 };
        var maxPartitions = new Option<int>("--max-partitions") { Description = "Parquet partitions (source and date) open at once; one more finishes the least recently written one's file first", DefaultValueFactory = _ => 128 };
        var fileAge = new Option<double>("--file-age") { Description = "Seconds after which a partition's Parquet file is finished; its next row starts a new one (3600: hourly files)", DefaultValueFactory = _ => 3600 };
        var quietRowGroup = new Option<double>("--quiet-row-group") { Description = "Seconds a quiet partition's rows (fewer than 4,096 waiting) wait for their row group instead of one per flush", DefaultValueFactory = _ => 60 };
        var http = new Option<string?>("--http") { Description = "Serve the web view (sources, live registers, /metrics, /healthz) at [ADDR:]PORT, loopback unless an address is given; port 0 picks a free one" };
        var metrics = new Option<int?>("--metrics-port") { Description = "Serve Prometheus metrics at http://127.0.0.1:PORT/metrics (the web view's server on a loopback port of its own; --http serves /metrics too)" };
        var maxConnections = new Option<int>("--max-connections") { Description = "Connections open at once; one past it is closed as soon as it is accepted", DefaultValueFactory = _ => 1024 };
        var idle = new Option<double>("--idle-timeout") { Description = "Seconds a connection may send nothing before it is closed", DefaultValueFactory = _ => 300 };
        var replyTimeout = new Option<double>("--reply-timeout") { Description = "Seconds a client may leave a query reply unread before its connection is closed", DefaultValueFactory = _ => 10 };
        var maxSources = new Option<int>("--max-sources") { Description = "Sources the collector keeps state for; frames of further new sources are dropped and counted", DefaultValueFactory = _ => 1024 };
        var sources = new Option<string[]>("--sources") { Description = "Accept only these sources: [TYPE:]ID or [TYPE:]FIRST-LAST, comma-separated or repeated (e.g. rack:1-64,sbmu:7)", AllowMultipleArgumentsPerToken = true };
        var maxAge = new Option<double>("--max-timestamp-age") { Description = "Seconds a frame's timestamp may lie before its receive time before it is out of the window", DefaultValueFactory = _ => 7 * 86400 };
        var maxLead = new Option<double>("--max-timestamp-lead") { Description = "Seconds a frame's timestamp may lie after its receive time before it is out of the window", DefaultValueFactory = _ => 3600 };
        var outOfWindow = new Option<OutOfWindowPolicy>("--out-of-window") { Description = "A frame outside the timestamp window: PartitionByReceiveTime (kept, under the receive date) or Refuse (dropped, counted)", DefaultValueFactory = _ => OutOfWindowPolicy.PartitionByReceiveTime };
        var retentionDays = new Option<double?>("--retention-days") { Description = "Delete finished raw-log and Parquet files whose last write is older than this many days (default: keep)" };
        var retentionFree = new Option<string?>("--retention-min-free") { Description = "While less is free on the data disk, delete the oldest finished raw-log and Parquet files: bytes (512M, 2G) or a share of the disk (10%); default: off" };
        var grace = new Option<double>("--shutdown-grace") { Description = "Seconds open connections get to finish at shutdown before they are closed; the raw log and image.bin are saved after", DefaultValueFactory = _ => 10 };
        Option<ParquetProfile> profile = ProfileOption.Create();
        // Read (and removed) by ConfigFile.Expand before parsing; declared here for --help.
        var config = new Option<string?>(ConfigFile.OptionName) { Description = "Read options from FILE: one 'name = value' a line (a name alone for a flag, repeated for --listen, # comments); options given here replace the file's" };
        var command = new Command("serve", "Collect rack/controller packets: raw log, live register images, queries; stops cleanly on SIGINT/SIGTERM.");
        foreach (Option option in new Option[] { port, framing, extra, data, status, timeout, partitionIdle, maxPartitions, ringMemory, rowMemory, writers, fileAge, quietRowGroup, http, metrics, maxConnections, idle, replyTimeout, maxSources, sources, maxAge, maxLead, outOfWindow, grace, retentionDays, retentionFree, profile, config })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, token) =>
        {
            foreach ((string name, double seconds) in new[]
            {
                ("--partition-idle", parse.GetValue(partitionIdle)), ("--file-age", parse.GetValue(fileAge)), ("--quiet-row-group", parse.GetValue(quietRowGroup)), ("--frame-timeout", parse.GetValue(timeout)), ("--idle-timeout", parse.GetValue(idle)),
                ("--reply-timeout", parse.GetValue(replyTimeout)), ("--max-timestamp-age", parse.GetValue(maxAge)), ("--max-timestamp-lead", parse.GetValue(maxLead)),
            })
            {
                if (!(seconds > 0 && seconds <= MaxSeconds))
                {
                    Console.Error.WriteLine($"pqflow serve: {name} must be a positive number of seconds, at most {MaxSeconds:0}");
                    return 2;
                }
            }

            if (parse.GetValue(maxConnections) < 1 || parse.GetValue(maxSources) < 1 || parse.GetValue(maxPartitions) < 1 || parse.GetValue(writers) < 1 || !(parse.GetValue(grace) >= 0)
                || parse.GetValue(ringMemory) is < 1 or > 65_536 || parse.GetValue(rowMemory) is < 1 or > 65_536)
            {
                Console.Error.WriteLine("pqflow serve: --max-connections, --max-sources, --max-partitions, --parquet-writers, --ring-memory and --row-memory must be at least 1 (the memories at most 65536 MiB), --shutdown-grace at least 0");
                return 2;
            }

            if (parse.GetValue(retentionDays) is { } days && !(days > 0 && days * 86400 <= MaxSeconds))
            {
                Console.Error.WriteLine("pqflow serve: --retention-days must be a positive number of days");
                return 2;
            }

            var retention = new RetentionOptions { MaxAge = parse.GetValue(retentionDays) is { } d ? TimeSpan.FromDays(d) : null };
            if (parse.GetValue(retentionFree) is { } free)
            {
                if (!TryParseFree(free, out long bytes, out double fraction))
                {
                    Console.Error.WriteLine($"pqflow serve: --retention-min-free {free}: expected bytes (e.g. 536870912, 512M, 2G) or a share of the disk (e.g. 10%)");
                    return 2;
                }

                retention = retention with { MinFreeBytes = bytes, MinFreeFraction = fraction };
            }

            List<SourceRange>? allowed = null;
            foreach (string spec in (parse.GetValue(sources) ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries)))
            {
                if (!SourceRange.TryParse(spec, out SourceRange range, out string? error))
                {
                    Console.Error.WriteLine($"pqflow serve: --sources {error}");
                    return 2;
                }

                (allowed ??= []).Add(range);
            }

            var listeners = new List<ListenerOptions>();
            string[] specs = parse.GetValue(extra) ?? [];
            if (specs.Length == 0 || parse.GetResult(port) is { Implicit: false })
            {
                listeners.Add(new ListenerOptions(parse.GetValue(port), parse.GetValue(framing)));
            }

            foreach (string spec in specs)
            {
                if (!ListenerOptions.TryParse(spec, parse.GetValue(framing), out ListenerOptions? listener, out string? error))
                {
                    Console.Error.WriteLine($"pqflow serve: --listen {error}");
                    return 2;
                }

                listeners.Add(listener!);
            }

            System.Net.IPEndPoint? httpEndPoint = null;
            if (parse.GetValue(http) is { } httpSpec && !ParquetFlow.Web.WebView.TryParseEndPoint(httpSpec, out httpEndPoint, out string? httpError))
            {
                Console.Error.WriteLine($"pqflow serve: --http {httpError}");
                return 2;
            }

            // Diagnostics go to stderr; stdout carries the listening lines and the status.
            using ILoggerFactory logging = ConsoleLogging.Create();
            var stop = new TaskCompletionSource();
            using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
            using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
            CollectorServer server = CollectorServer.Start(new CollectorOptions
            {
                DataDirectory = parse.GetValue(data)!,
                Listeners = listeners,
                FrameTimeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
                PartitionIdleTimeout = TimeSpan.FromSeconds(parse.GetValue(partitionIdle)),
                MaxOpenPartitions = parse.GetValue(maxPartitions),
                ParquetRingBudgetBytes = (long)parse.GetValue(ringMemory) << 20,
                ParquetRowBufferBudgetBytes = (long)parse.GetValue(rowMemory) << 20,
                ParquetWriterThreads = parse.GetValue(writers),
                MaxParquetFileAge = TimeSpan.FromSeconds(parse.GetValue(fileAge)),
                QuietRowGroupTimeout = TimeSpan.FromSeconds(parse.GetValue(quietRowGroup)),
                MaxConnections = parse.GetValue(maxConnections),
                IdleTimeout = TimeSpan.FromSeconds(parse.GetValue(idle)),
                ReplyTimeout = TimeSpan.FromSeconds(parse.GetValue(replyTimeout)),
                MaxSources = parse.GetValue(maxSources),
                AllowedSources = allowed,
                MaxTimestampAge = TimeSpan.FromSeconds(parse.GetValue(maxAge)),
                MaxTimestampLead = TimeSpan.FromSeconds(parse.GetValue(maxLead)),
                OutOfWindow = parse.GetValue(outOfWindow),
                ShutdownGrace = TimeSpan.FromSeconds(parse.GetValue(grace)),
                Retention = retention,
                ParquetProfile = parse.GetValue(profile),
                Logger = logging.CreateLogger("collector"),
            });
            for (int i = 0; i < listeners.Count; i++)
            {
                Console.WriteLine($"listening on {server.EndPoints[i]} ({listeners[i].Framing.ToString().ToLowerInvariant()} framing), data in {Path.GetFullPath(parse.GetValue(data)!)}");
            }

            var views = new List<ParquetFlow.Web.WebView>();
            var serve = new List<(System.Net.IPEndPoint EndPoint, string Option)>();
            if (httpEndPoint is not null)
            {
                serve.Add((httpEndPoint, "--http"));
            }

            if (parse.GetValue(metrics) is int metricsPort)
            {
                serve.Add((new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, metricsPort), "--metrics-port"));
            }

            foreach ((System.Net.IPEndPoint endPoint, string option) in serve)
            {
                try
                {
                    views.Add(await ParquetFlow.Web.WebView.StartAsync(server, endPoint, logging));
                }
                catch (IOException e)
                {
                    Console.Error.WriteLine($"pqflow serve: {option} {endPoint}: {e.Message}");
                    foreach (ParquetFlow.Web.WebView started in views)
                    {
                        await started.DisposeAsync();
                    }

                    await server.DisposeAsync();
                    return 1;
                }

                Console.WriteLine(option == "--http"
                    ? $"listening on {views[^1].Address} (web view, /metrics, /healthz)"
                    : $"metrics at {views[^1].Address}metrics");
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
            foreach (ParquetFlow.Web.WebView view in views)
            {
                await view.DisposeAsync();
            }

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

    /// <summary>Parses <c>10%</c> (a fraction of the disk) or a byte count with an optional K, M, G or T suffix (powers of 1,024).</summary>
    private static bool TryParseFree(string text, out long bytes, out double fraction)
    {
        bytes = 0;
        fraction = 0;
        string t = text.Trim();
        if (t.EndsWith('%'))
        {
            return double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double percent) && percent > 0 && percent < 100
                && (fraction = percent / 100) > 0;
        }

        int shift = t.Length > 0 ? char.ToUpperInvariant(t[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 } : 0;
        string number = shift > 0 ? t[..^1] : t;
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0) || value * Math.Pow(2, shift) >= long.MaxValue)
        {
            return false;
        }

        bytes = (long)(value * Math.Pow(2, shift));
        return bytes > 0;
    }

    private static string Status(CollectorServer server)
    {
        CollectorMetrics m = server.Metrics;
        string refused = m.ConnectionsRefused + m.SourcesRefused + m.TimestampsRefused + m.AcceptErrors + m.TimeoutsClosed > 0
            ? $", refused connections {m.ConnectionsRefused}, refused frames {m.SourcesRefused + m.TimestampsRefused}, accept errors {m.AcceptErrors}, timeouts {m.TimeoutsClosed}"
            : "";
        string failing = m.FlushFailures > 0 ? $", flush failures {m.FlushFailures} (last: {m.LastError})" : "";
        return string.Create(CultureInfo.InvariantCulture, $"connections {m.Connections}, frames {m.Frames}, registers {m.Registers}, durable frames {m.FramesDurable}, durable rows {m.RowsDurable}, bytes {m.Bytes}, rejected {m.Rejected}, gaps {server.Images.SequenceGaps}, queries {m.QueriesAnswered}{refused}{failing}, sources {server.Images.Sources.Count}");
    }
}
