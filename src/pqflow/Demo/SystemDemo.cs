using System.Diagnostics;
using System.Net;
using System.Text;
using ParquetFlow.Cli.Inspect;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Server;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;

namespace ParquetFlow.Cli.Demo;

/// <summary>What <c>pqflow demo</c> runs (everything has a default; nothing external is needed).</summary>
internal sealed record SystemDemoSettings
{
    public string Directory { get; init; } = Path.Combine("out", "demo");

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Simulated racks, each its own TCP connection to the collector.</summary>
    public int Racks { get; init; } = 8;

    /// <summary>Market-data orders logged per second through the log sink.</summary>
    public int OrdersPerSecond { get; init; } = 200_000;

    /// <summary>Simulated sensors of the sensor store.</summary>
    public int Sensors { get; init; } = 48;

    public CompressionCodec Compression { get; init; } = CompressionCodec.Zstd;

    public ParquetProfile Profile { get; init; } = ParquetProfile.Compatible;

    /// <summary>Where to serve the collector's web view while the demo runs; null for none.</summary>
    public IPEndPoint? Http { get; init; }
}

/// <summary>
/// <c>pqflow demo</c>: the whole system in one process on built-in defaults. Simulated racks feed an in-process
/// collector over loopback TCP (raw log, register images, partitioned Parquet), a producer logs market data through the
/// log sink, and simulated sensors fill a sensor store whose records an uploader stand-in forwards to Parquet,
/// acknowledging (erasing) each batch only once it is in a finished file. At the end each part says what it stored,
/// where, and how to read it with DuckDB. Exit 1 when any part did not store what it accepted.
/// </summary>
internal static class SystemDemo
{
    private const string Marker = ".pqflow-demo";

    public static async Task<int> RunAsync(SystemDemoSettings settings, TextWriter output, CancellationToken stop)
    {
        string root = Path.GetFullPath(settings.Directory);
        if (!Prepare(root, out string? refusal))
        {
            Console.Error.WriteLine($"pqflow demo: {refusal}");
            return 2;
        }

        string collectorDirectory = Path.Combine(root, "collector");
        string marketDirectory = Path.Combine(root, "market");
        string storeDirectory = Path.Combine(root, "store");
        output.WriteLine($"demo: {settings.Racks} racks -> collector, {settings.OrdersPerSecond:N0} orders/s -> log sink, {settings.Sensors} sensors -> sensor store, for {settings.Duration.TotalSeconds:0.#} s; output in {root}");

        CollectorServer server = CollectorServer.Start(new CollectorOptions
        {
            DataDirectory = collectorDirectory,
            Listeners = [new ListenerOptions(0, FramingKind.Packet)],
            ParquetProfile = settings.Profile,
        });
        Web.WebView? web = null;
        try
        {
            if (settings.Http is { } endPoint)
            {
                web = await Web.WebView.StartAsync(server, endPoint);
                output.WriteLine($"web view at {web.Address} (sources, live registers, /metrics) while the demo runs");
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
            deadline.CancelAfter(settings.Duration);
            var clock = Stopwatch.StartNew();

            long[] sent = new long[settings.Racks];
            var rack = new SenderSettings
            {
                Port = server.EndPoints[0].Port,
                Registers = 64,
                Packets = 0,
                Duration = settings.Duration,
                Rate = 25,
                FullEvery = 100,
                FirstSource = 1,
            };
            Task racks = Task.WhenAll(Enumerable.Range(0, settings.Racks).Select(c => PacketSender.RunAsync(c, rack, sent, stop)));

            var market = new MarketLog(marketDirectory, settings);
            Task orders = Task.Run(() => market.Run(deadline.Token), CancellationToken.None);
            var sensors = new SensorDemo(storeDirectory, settings.Sensors, settings.Compression, settings.Profile);
            Task store = Task.Run(() => sensors.Run(deadline.Token), CancellationToken.None);

            using (var progress = new Progress("demo"))
            {
                Task all = Task.WhenAll(racks, orders, store);
                while (!all.IsCompleted)
                {
                    await Task.WhenAny(all, Task.Delay(200, CancellationToken.None));
                    progress.Report(
                        Math.Min(clock.Elapsed.TotalSeconds, settings.Duration.TotalSeconds),
                        settings.Duration.TotalSeconds,
                        $"{server.Metrics.Frames:N0} frames, {market.Logged:N0} orders, {sensors.Added:N0} sensor records");
                }

                await all;
            }

            long framesSent = sent.Sum();
            await server.StopAsync();
            var summary = new StringBuilder();
            bool stored = DescribeCollector(summary, server, collectorDirectory, framesSent);
            stored &= market.Describe(summary);
            stored &= sensors.Describe(summary);
            output.WriteLine();
            output.Write(summary.ToString());
            if (!stored)
            {
                Console.Error.WriteLine("pqflow demo: not everything accepted was stored (see above)");
                return 1;
            }

            return 0;
        }
        finally
        {
            if (web is not null)
            {
                await web.DisposeAsync();
            }

            await server.DisposeAsync();
        }
    }

    /// <summary>Makes <paramref name="root"/> ready: a fresh directory, or one a previous demo made (its parts are removed).</summary>
    private static bool Prepare(string root, out string? refusal)
    {
        refusal = null;
        if (File.Exists(root))
        {
            refusal = $"{root} is a file; --dir names a directory";
            return false;
        }

        if (System.IO.Directory.Exists(root) && System.IO.Directory.EnumerateFileSystemEntries(root).Any())
        {
            if (!File.Exists(Path.Combine(root, Marker)))
            {
                refusal = $"{root} holds files a demo did not write; name an empty or new directory with --dir";
                return false;
            }

            foreach (string part in new[] { "collector", "market", "store" })
            {
                string path = Path.Combine(root, part);
                if (System.IO.Directory.Exists(path))
                {
                    System.IO.Directory.Delete(path, recursive: true);
                }
            }
        }

        System.IO.Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, Marker), "written by pqflow demo; the next demo run in this directory replaces its parts\n");
        return true;
    }

    private static bool DescribeCollector(StringBuilder summary, CollectorServer server, string directory, long framesSent)
    {
        CollectorMetrics m = server.Metrics;
        string parquet = Path.Combine(directory, "parquet");
        string[] files = System.IO.Directory.Exists(parquet) ? System.IO.Directory.GetFiles(parquet, "*.parquet", SearchOption.AllDirectories) : [];
        long rawBytes = System.IO.Directory.GetFiles(Path.Combine(directory, "raw")).Sum(f => new FileInfo(f).Length);
        summary.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"collector: {m.Frames:N0} frames of {framesSent:N0} sent ({m.Registers:N0} register values) from {server.Images.Sources.Count} racks");
        summary.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  raw log     {Path.Combine(directory, "raw")} ({FileReport.Bytes(rawBytes)}; pqflow replay rebuilds everything from it)");
        summary.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  images      {Path.Combine(directory, "image.bin")} (every rack's 65,536 registers)");
        summary.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  Parquet     {parquet} ({Count(files.Length, "file")}, {server.ParquetRows:N0} rows, one per register value, partitioned by source and date)");
        summary.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  read it:    duckdb -c \"SELECT source_id, count(*) AS values, count(DISTINCT \\\"offset\\\") AS registers, max(time) AS last FROM read_parquet('{parquet}/**/*.parquet', hive_partitioning = true) GROUP BY 1 ORDER BY 1\"");
        string? problem = server.NotStored ?? (m.Frames != framesSent ? $"{framesSent - m.Frames} frames sent were not accepted" : null);
        if (problem is not null)
        {
            summary.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  NOT STORED: {problem}");
        }

        summary.AppendLine();
        return problem is null;
    }

    /// <summary>"1 file", "3 files".</summary>
    internal static string Count(long n, string noun, string? plural = null) => n == 1 ? $"1 {noun}" : $"{n:N0} {plural ?? noun + "s"}";

    /// <summary>The log-sink part: a producer logs market-data orders at a steady rate; the sink writes them to rotating files.</summary>
    private sealed class MarketLog(string directory, SystemDemoSettings settings)
    {
        private readonly LogSink _sink = new(MarketOrder.Layout, new LogSinkOptions
        {
            FilePattern = Path.Combine(directory, "orders-{seq}.parquet"),
            MaxRowsPerFile = 1_000_000,
            Compression = settings.Compression,
            Profile = settings.Profile,
            CreateMissingDirectory = true,
        });

        private long _logged;
        private LogSinkStatistics _final;

        public long Logged => Interlocked.Read(ref _logged);

        public void Run(CancellationToken deadline)
        {
            try
            {
                var clock = Stopwatch.StartNew();
                var random = new Random(7);
                long price = 18_000_000_000;
                for (long i = 0; !deadline.IsCancellationRequested; i++)
                {
                    // Paced: order i is due at i / rate seconds; a burst catches up after a stall.
                    while (i > clock.Elapsed.TotalSeconds * settings.OrdersPerSecond && !deadline.IsCancellationRequested)
                    {
                        Thread.Sleep(1);
                    }

                    price += random.Next(-5, 6) * 1_000_000;
                    var order = MarketOrder.Make(i, price, random);
                    if (_sink.TryLog(in order) == LogResult.Ok)
                    {
                        Interlocked.Increment(ref _logged);
                    }
                }
            }
            finally
            {
                _sink.Dispose();
                _final = _sink.Statistics;
            }
        }

        public bool Describe(StringBuilder summary)
        {
            LogSinkStatistics s = _final;
            summary.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"log sink: {s.Logged:N0} market-data orders logged without blocking, {s.Written:N0} written, {s.Dropped:N0} dropped (ring full)");
            summary.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  Parquet     {directory} ({Count(s.Files, "file")}, {FileReport.Bytes(s.Bytes)}, {Count(s.RowGroups, "fsynced row group")})");
            summary.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  read it:    duckdb -c \"SELECT symbol, count(*) AS orders, avg(price) / 1e8 AS avg_usd FROM '{directory}/*.parquet' GROUP BY 1 ORDER BY 2 DESC LIMIT 5\"");
            string? problem = s.Lost > 0 || s.Written != s.Logged ? $"{s.Logged - s.Written} orders logged were not written ({s.LastError})" : null;
            if (problem is not null)
            {
                summary.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  NOT STORED: {problem}");
            }

            summary.AppendLine();
            return problem is null;
        }
    }
}
