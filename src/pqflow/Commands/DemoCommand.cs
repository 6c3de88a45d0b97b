using System.CommandLine;
using System.Diagnostics;
using ParquetFlow.Cli.Demo;
using ParquetFlow.Cli.Inspect;
using ParquetFlow.Durability;
using ParquetFlow.Parquet;

namespace ParquetFlow.Cli.Commands;

/// <summary><c>pqflow demo</c>: the main job on built-in defaults.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var rows = new Option<int>("--rows") { Description = "Market-data orders to generate", DefaultValueFactory = _ => 1_000_000 };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the Parquet file", DefaultValueFactory = _ => Path.Combine("out", "market_data.parquet") };
        Option<CompressionCodec> codec = CompressionOption.Create("Page codec");
        Option<ParquetProfile> profile = ProfileOption.Create();
        var command = new Command("demo", "Write a market-data Parquet file on built-in defaults and describe what it holds.");
        command.Options.Add(rows);
        command.Options.Add(output);
        command.Options.Add(codec);
        command.Options.Add(profile);
        command.SetAction(parse =>
        {
            int count = parse.GetValue(rows);
            string path = parse.GetValue(output)!;
            if (count < 0)
            {
                Console.Error.WriteLine("pqflow demo: --rows must not be negative");
                return 2;
            }

            if (!CompressionOption.TryGet(parse, codec, "demo", out CompressionCodec compression))
            {
                return 2;
            }

            Storage.Default.CreateDirectory(Storage.ParentOf(path));
            Console.Error.WriteLine($"generating {count:N0} market-data orders ...");
            MarketData data = MarketData.Generate(count);
            var options = new ParquetWriterOptions
            {
                Compression = compression,
                Profile = parse.GetValue(profile),
                KeyValueMetadata = new Dictionary<string, string> { ["parquetflow.demo"] = "market data, log-sink document schema" },
            };
            var clock = Stopwatch.StartNew();
            // The file appears under its final name only once complete and on disk.
            Storage.Default.ReplaceAtomically(path, stream =>
            {
                using var writer = new ParquetFileWriter(stream, MarketData.Schema, options, leaveOpen: true);
                data.Write(writer);
                writer.Close();
            });
            clock.Stop();
            long size = new FileInfo(path).Length;
            Console.WriteLine($"wrote {count:N0} orders to {Path.GetFullPath(path)} in {clock.Elapsed.TotalMilliseconds:0} ms ({FileReport.Bytes(size)}, {(count == 0 ? 0 : size / (double)count):0.00} bytes/order)");
            Console.WriteLine($"read it with: duckdb -c \"SELECT symbol, count(*), avg(price) / 1e8 AS avg_usd FROM '{path}' GROUP BY symbol ORDER BY 2 DESC LIMIT 5\"");
            Console.WriteLine();
            FileReport.Write(Console.Out, path, maxRowGroups: 1);
            return 0;
        });
        return command;
    }
}
