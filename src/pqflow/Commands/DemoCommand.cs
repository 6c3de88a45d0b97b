using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ParquetFlow.Cli.Demo;
using ParquetFlow.Cli.Inspect;
using ParquetFlow.Cli.Recording;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;

namespace ParquetFlow.Cli.Commands;

/// <summary>
/// <c>pqflow demo</c>: the main job on built-in defaults, the whole system in one process (<see cref="SystemDemo"/>);
/// <c>--file</c> keeps the single market-data file mode, which logs its generated orders through a log sink too.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var file = new Option<bool>("--file") { Description = "Only log generated market-data orders through the log sink into one Parquet file (--rows, --output) and describe it" };
        var rows = new Option<int>("--rows") { Description = "With --file: market-data orders to generate", DefaultValueFactory = _ => 1_000_000 };
        var output = new Option<string>("--output", "-o") { Description = "With --file: the Parquet file to write (replaced; appears when complete)", DefaultValueFactory = _ => Path.Combine("out", "market_data.parquet") };
        var dir = new Option<string>("--dir") { Description = "Where the system demo writes (collector/, market/, store/); a directory a previous demo wrote is reused", DefaultValueFactory = _ => Path.Combine("out", "demo") };
        var seconds = new Option<double>("--seconds") { Description = "How long the system demo runs", DefaultValueFactory = _ => 15 };
        var racks = new Option<int>("--racks") { Description = "Simulated racks feeding the collector", DefaultValueFactory = _ => 8 };
        var orders = new Option<int>("--orders-per-second") { Description = "Market-data orders logged per second through the log sink", DefaultValueFactory = _ => 200_000 };
        var sensors = new Option<int>("--sensors") { Description = "Simulated sensors of the sensor store", DefaultValueFactory = _ => 48 };
        var http = new Option<string?>("--http") { Description = "Serve the collector's web view at [ADDR:]PORT while the demo runs (loopback unless an address is given; 0 picks a port)" };
        Option<CompressionCodec> codec = CompressionOption.Create("Page codec");
        Option<ParquetProfile> profile = ProfileOption.Create();
        var command = new Command("demo", "Run the whole system on built-in defaults for a few seconds (simulated racks into a collector, market data through the log sink, sensors into a sensor store) and say where each part stored what and how to read it; --file writes one market-data file instead.");
        foreach (Option option in new Option[] { file, rows, output, dir, seconds, racks, orders, sensors, http, codec, profile })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, token) =>
        {
            if (!CompressionOption.TryGet(parse, codec, "demo", out CompressionCodec system))
            {
                return 2;
            }

            if (parse.GetValue(file))
            {
                return WriteFile(parse.GetValue(rows), parse.GetValue(output)!, system, parse.GetValue(profile));
            }

            if (parse.GetResult(rows) is { Implicit: false } || parse.GetResult(output) is { Implicit: false })
            {
                Console.Error.WriteLine("pqflow demo: --rows and --output belong to the single-file mode: add --file");
                return 2;
            }

            System.Net.IPEndPoint? endPoint = null;
            if (parse.GetValue(http) is { } spec && !ParquetFlow.Web.WebView.TryParseEndPoint(spec, out endPoint, out string? httpError))
            {
                Console.Error.WriteLine($"pqflow demo: --http {httpError}");
                return 2;
            }

            double duration = parse.GetValue(seconds);
            if (!(duration > 0 && duration <= 3600) || parse.GetValue(racks) is < 1 or > 1000 || parse.GetValue(orders) is < 1 || parse.GetValue(sensors) is < 1 or > 2048)
            {
                Console.Error.WriteLine("pqflow demo: --seconds 0..3600, --racks 1..1000, --orders-per-second 1 or more, --sensors 1..2048");
                return 2;
            }

            return await SystemDemo.RunAsync(
                new SystemDemoSettings
                {
                    Directory = parse.GetValue(dir)!,
                    Duration = TimeSpan.FromSeconds(duration),
                    Racks = parse.GetValue(racks),
                    OrdersPerSecond = parse.GetValue(orders),
                    Sensors = parse.GetValue(sensors),
                    Compression = system,
                    Profile = parse.GetValue(profile),
                    Http = endPoint,
                },
                Console.Out,
                token);
        });
        return command;
    }

    private static int WriteFile(int count, string path, CompressionCodec compression, ParquetProfile profile)
    {
        if (count < 0)
        {
            Console.Error.WriteLine("pqflow demo: --rows must not be negative");
            return 2;
        }

        if (OutputSink.IsPattern(path))
        {
            Console.Error.WriteLine("pqflow demo: --output names one file; {seq} and {utc} belong to `pqflow shm record`");
            return 2;
        }

        Console.Error.WriteLine($"generating {count:N0} market-data orders ...");
        MarketData data = MarketData.Generate(count);
        using ILoggerFactory logging = ConsoleLogging.Create();
        var options = new LogSinkOptions
        {
            FilePattern = path,
            Compression = compression,
            Profile = profile,
            KeyValueMetadata = new Dictionary<string, string> { ["parquetflow.demo"] = "market data, log-sink document schema" },

            // The generated orders are all there at once: row groups of 1 M rows, cut by count alone (never by the
            // clock), their eight columns encoded on two threads, and the one producer waits for the writer instead of
            // dropping.
            RowGroupRows = 1 << 20,
            RowGroupTimeout = TimeSpan.MaxValue,
            EncodingThreads = 2,
            FullMode = RingFullMode.Wait,
            Logger = logging.CreateLogger<LogSink>(),
        };
        var clock = Stopwatch.StartNew();
        string file;
        try
        {
            // Through the log sink, as a producer logs orders: the file appears under its final name once complete.
            using OutputSink output = OutputSink.Start(MarketOrder.Layout, options, "demo", Console.Error);
            for (int i = 0; i < count; i++)
            {
                MarketOrder order = MarketOrder.From(data, i);
                if (output.Sink.TryLog(in order) != LogResult.Ok)
                {
                    break; // the writer thread died: Complete says why
                }
            }

            if (!output.Complete("demo", Console.Error))
            {
                return 1;
            }

            file = output.FirstFile!;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"pqflow demo: {e.Message}");
            return 1;
        }

        clock.Stop();
        long size = new FileInfo(file).Length;
        Console.WriteLine($"wrote {count:N0} orders to {Path.GetFullPath(file)} in {clock.Elapsed.TotalMilliseconds:0} ms ({FileReport.Bytes(size)}, {(count == 0 ? 0 : size / (double)count):0.00} bytes/order)");
        Console.WriteLine($"read it with: duckdb -c \"SELECT symbol, count(*), avg(price) / 1e8 AS avg_usd FROM '{file}' GROUP BY symbol ORDER BY 2 DESC LIMIT 5\"");
        Console.WriteLine();
        FileReport.Write(Console.Out, file, maxRowGroups: 1);
        return 0;
    }
}
