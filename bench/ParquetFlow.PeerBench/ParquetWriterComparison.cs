using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ParquetFlow.Cli.Demo;
using ParquetFlow.Parquet;
using PS = ParquetSharp;
using PN = Parquet;

namespace ParquetFlow.PeerBench;

/// <summary>
/// Writes the same market-data columns (already in memory) to a finished file with ParquetFlow (both profiles),
/// ParquetSharp (Arrow C++; physical column writers, dictionary off: its fastest settings, and with its defaults:
/// dictionary on, its smallest files) and Parquet.Net, for UNCOMPRESSED, SNAPPY and ZSTD, and prints the median wall
/// time and file size of each, with the ratios to ParquetSharp's fastest and to Parquet.Net.
/// </summary>
internal static class ParquetWriterComparison
{
    private const int RowGroupRows = 1 << 20;

    public static int Run(string[] args)
    {
        int rows = 10_000_000;
        int runs = 3;
        string dir = Path.GetTempPath();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--rows": rows = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--dir": dir = args[i + 1]; break;
            }
        }

        Console.Error.WriteLine($"generating {rows:N0} market-data rows ...");
        MarketData data = MarketData.Generate(rows);
        string[] symbols = new string[rows];
        for (int i = 0; i < rows; i++)
        {
            symbols[i] = MarketData.Symbols[data.SymbolIndex[i]];
        }

        var writers = new (string Name, Action<string, CompressionCodec> Write)[]
        {
            ("ParquetFlow compatible (2 threads)", (p, c) => WriteParquetFlow(p, c, data, ParquetProfile.Compatible, threads: 2)),
            ("ParquetFlow compatible (1 thread)", (p, c) => WriteParquetFlow(p, c, data, ParquetProfile.Compatible, threads: 1)),
            ("ParquetFlow compact (2 threads)", (p, c) => WriteParquetFlow(p, c, data, ParquetProfile.Compact, threads: 2)),
            ("ParquetFlow compact (1 thread)", (p, c) => WriteParquetFlow(p, c, data, ParquetProfile.Compact, threads: 1)),
            ("ParquetSharp (physical, no dictionary)", (p, c) => WriteParquetSharp(p, c, data, dictionary: false)),
            ("ParquetSharp (physical, dictionary)", (p, c) => WriteParquetSharp(p, c, data, dictionary: true)),
            ("Parquet.Net", (p, c) => WriteParquetNet(p, c, data, symbols)),
        };
        CompressionCodec[] codecs = [CompressionCodec.Uncompressed, CompressionCodec.Snappy, CompressionCodec.Zstd];
        var seconds = new double[writers.Length, codecs.Length];
        var sizes = new long[writers.Length, codecs.Length];
        for (int c = 0; c < codecs.Length; c++)
        {
            for (int w = 0; w < writers.Length; w++)
            {
                string path = Path.Combine(dir, $"pqflow-bench-{w}-{codecs[c]}.parquet");
                var times = new List<double>();
                for (int r = 0; r < runs + 1; r++)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    var clock = Stopwatch.StartNew();
                    writers[w].Write(path, codecs[c]);
                    clock.Stop();
                    if (r > 0)
                    {
                        times.Add(clock.Elapsed.TotalSeconds); // the first run warms up the JIT and the page cache
                    }
                }

                times.Sort();
                seconds[w, c] = times[times.Count / 2];
                sizes[w, c] = new FileInfo(path).Length;
                File.Delete(path);
                Console.Error.WriteLine($"  {writers[w].Name,-40} {codecs[c],-13} {seconds[w, c],6:0.000} s  {sizes[w, c] / 1048576.0,8:0.0} MiB");
            }
        }

        int parquetSharp = 4;
        int parquetNet = writers.Length - 1;
        Console.WriteLine();
        Console.WriteLine($"{rows:N0} market-data rows from column arrays to a finished file, median of {runs} (after one warm-up run)");
        Console.WriteLine();
        Console.WriteLine("| writer | none | snappy | zstd (level 1) |");
        Console.WriteLine("| --- | --- | --- | --- |");
        for (int w = 0; w < writers.Length; w++)
        {
            var cells = new List<string>();
            for (int c = 0; c < codecs.Length; c++)
            {
                string ratio = w == parquetSharp ? string.Empty : $", {seconds[parquetSharp, c] / seconds[w, c]:0.00}× ParquetSharp";
                if (w != parquetNet)
                {
                    ratio += $", {seconds[parquetNet, c] / seconds[w, c]:0.00}× Parquet.Net";
                }

                cells.Add($"{seconds[w, c]:0.000} s, {sizes[w, c] / 1048576.0:0.0} MiB{ratio}");
            }

            Console.WriteLine($"| {writers[w].Name} | {string.Join(" | ", cells)} |");
        }

        return 0;
    }

    private static void WriteParquetFlow(string path, CompressionCodec codec, MarketData data, ParquetProfile profile, int threads)
    {
        var options = new ParquetWriterOptions { Compression = codec, CompressionLevel = codec == CompressionCodec.Zstd ? 1 : 0, Profile = profile };
        using var writer = ParquetFileWriter.Create(path, MarketData.Schema, options);
        data.Write(writer, RowGroupRows, threads);
    }

    private static void WriteParquetSharp(string path, CompressionCodec codec, MarketData data, bool dictionary)
    {
        PS.Compression compression = codec switch
        {
            CompressionCodec.Snappy => PS.Compression.Snappy,
            CompressionCodec.Zstd => PS.Compression.Zstd,
            _ => PS.Compression.Uncompressed,
        };
        var builder = new PS.WriterPropertiesBuilder().Compression(compression);
        if (!dictionary)
        {
            builder.DisableDictionary();
        }

        if (codec == CompressionCodec.Zstd)
        {
            builder.CompressionLevel(1);
        }

        using PS.WriterProperties properties = builder.Build();
        // Every column required, as in ours (ParquetSharp's Column<string> would make the symbol optional).
        PS.Schema.Node[] nodes =
        [
            Required("timestamp_ns", PS.LogicalType.Timestamp(true, PS.TimeUnit.Nanos), PS.PhysicalType.Int64),
            Required("symbol", PS.LogicalType.String(), PS.PhysicalType.ByteArray),
            Required("order_id", PS.LogicalType.None(), PS.PhysicalType.Int64),
            Required("side", PS.LogicalType.None(), PS.PhysicalType.Int32),
            Required("price", PS.LogicalType.None(), PS.PhysicalType.Int64),
            Required("quantity", PS.LogicalType.None(), PS.PhysicalType.Int64),
            Required("order_type", PS.LogicalType.None(), PS.PhysicalType.Int32),
            Required("exchange", PS.LogicalType.None(), PS.PhysicalType.Int32),
        ];
        using var schema = new PS.Schema.GroupNode("schema", PS.Repetition.Required, nodes);
        using var file = new PS.ParquetFileWriter(path, schema, properties);
        GCHandle pin = GCHandle.Alloc(data.SymbolBytes, GCHandleType.Pinned);
        try
        {
            IntPtr basePtr = pin.AddrOfPinnedObject();
            var byteArrays = new PS.ByteArray[Math.Min(RowGroupRows, data.Count)];
            for (int start = 0; start < data.Count; start += RowGroupRows)
            {
                int n = Math.Min(RowGroupRows, data.Count - start);
                using PS.RowGroupWriter rg = file.AppendRowGroup();
                using (var w = (PS.ColumnWriter<long>)rg.NextColumn())
                {
                    w.WriteBatch(data.TimestampNs.AsSpan(start, n));
                }

                for (int i = 0; i < n; i++)
                {
                    int offset = data.SymbolOffsets[start + i];
                    byteArrays[i] = new PS.ByteArray(basePtr + offset, data.SymbolOffsets[start + i + 1] - offset);
                }

                using (var w = (PS.ColumnWriter<PS.ByteArray>)rg.NextColumn())
                {
                    w.WriteBatch(byteArrays.AsSpan(0, n));
                }

                WriteLong(rg, data.OrderId, start, n);
                WriteInt(rg, data.Side, start, n);
                WriteLong(rg, data.Price, start, n);
                WriteLong(rg, data.Quantity, start, n);
                WriteInt(rg, data.OrderType, start, n);
                WriteInt(rg, data.Exchange, start, n);
            }

            file.Close();
        }
        finally
        {
            pin.Free();
        }
    }

    private static PS.Schema.PrimitiveNode Required(string name, PS.LogicalType type, PS.PhysicalType physical) =>
        new(name, PS.Repetition.Required, type, physical);

    private static void WriteLong(PS.RowGroupWriter rg, long[] values, int start, int n)
    {
        using var w = (PS.ColumnWriter<long>)rg.NextColumn();
        w.WriteBatch(values.AsSpan(start, n));
    }

    private static void WriteInt(PS.RowGroupWriter rg, int[] values, int start, int n)
    {
        using var w = (PS.ColumnWriter<int>)rg.NextColumn();
        w.WriteBatch(values.AsSpan(start, n));
    }

    private static void WriteParquetNet(string path, CompressionCodec codec, MarketData data, string[] symbols) =>
        WriteParquetNetAsync(path, codec, data, symbols).GetAwaiter().GetResult();

    private static async Task WriteParquetNetAsync(string path, CompressionCodec codec, MarketData data, string[] symbols)
    {
        var fields = new PN.Schema.DataField[]
        {
            new PN.Schema.DataField<long>("timestamp_ns"),
            new PN.Schema.DataField<string>("symbol"),
            new PN.Schema.DataField<long>("order_id"),
            new PN.Schema.DataField<int>("side"),
            new PN.Schema.DataField<long>("price"),
            new PN.Schema.DataField<long>("quantity"),
            new PN.Schema.DataField<int>("order_type"),
            new PN.Schema.DataField<int>("exchange"),
        };
        var schema = new PN.Schema.ParquetSchema(fields);
        var options = new PN.ParquetOptions
        {
            CompressionMethod = codec switch
            {
                CompressionCodec.Snappy => PN.CompressionMethod.Snappy,
                CompressionCodec.Zstd => PN.CompressionMethod.Zstd,
                _ => PN.CompressionMethod.None,
            },
            // Optimal is ZstdSharp level 3; Parquet.Net 6.1.0's default level for zstd is 19 (~130x slower).
            CompressionLevel = System.IO.Compression.CompressionLevel.Optimal,
        };
        await using FileStream stream = File.Create(path);
        await using PN.ParquetWriter writer = await PN.ParquetWriter.CreateAsync(schema, stream, options);
        for (int start = 0; start < data.Count; start += RowGroupRows)
        {
            int n = Math.Min(RowGroupRows, data.Count - start);
            using PN.ParquetRowGroupWriter rg = writer.CreateRowGroup();
            await rg.WriteAsync<long>(fields[0], data.TimestampNs.AsMemory(start, n));
            await rg.WriteAsync(fields[1], new ArraySegment<string>(symbols, start, n));
            await rg.WriteAsync<long>(fields[2], data.OrderId.AsMemory(start, n));
            await rg.WriteAsync<int>(fields[3], data.Side.AsMemory(start, n));
            await rg.WriteAsync<long>(fields[4], data.Price.AsMemory(start, n));
            await rg.WriteAsync<long>(fields[5], data.Quantity.AsMemory(start, n));
            await rg.WriteAsync<int>(fields[6], data.OrderType.AsMemory(start, n));
            await rg.WriteAsync<int>(fields[7], data.Exchange.AsMemory(start, n));
        }
    }
}
