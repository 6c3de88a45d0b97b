using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Schema;
using ParquetSharp;
using ParquetFileWriter = ParquetFlow.Parquet.ParquetFileWriter;
using RowGroupWriter = ParquetFlow.Parquet.RowGroupWriter;
using PfColumnDescriptor = ParquetFlow.Parquet.Schema.ColumnDescriptor;
using PfTimeUnit = ParquetFlow.Parquet.TimeUnit;

namespace ParquetFlow.Interop.Tests;

/// <summary>
/// Ten million market-data rows (the log-sink document's eight columns) in one SNAPPY file: DuckDB's aggregates over
/// every column match the ones computed while writing, and Arrow C++ reads sampled row groups back value for value.
/// </summary>
public sealed class LargeFileTests : IClassFixture<DuckDbSession>, IDisposable
{
    private const int Rows = 10_000_000;
    private const int RowGroupRows = 1_000_000;
    private static readonly int[] s_sampledGroups = [0, 4, 9];

    private readonly DuckDbSession _duck;
    private readonly ITestOutputHelper _output;
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-interop-large-").FullName;

    public LargeFileTests(DuckDbSession duck, ITestOutputHelper output)
    {
        _duck = duck;
        _output = output;
    }

    [Fact]
    public void Ten_million_market_data_rows_aggregate_identically_in_DuckDB_and_read_back_in_Arrow()
    {
        int seed = TestSeed.For("10M");
        _output.WriteLine(TestSeed.Describe(seed));
        var random = new Random(seed);
        string path = Path.Combine(_directory, "market-data-10m.parquet");
        var schema = new ParquetSchema(
            PfColumnDescriptor.Timestamp("timestamp_ns", PfTimeUnit.Nanos, isAdjustedToUtc: false),
            PfColumnDescriptor.FixedLenByteArray("symbol", 8),
            PfColumnDescriptor.Int64("order_id"),
            PfColumnDescriptor.Int32("side"),
            PfColumnDescriptor.Int64("price"),
            PfColumnDescriptor.Int64("quantity"),
            PfColumnDescriptor.Int32("order_type"),
            PfColumnDescriptor.Int32("exchange"));
        // ~50 tickers, zero-padded to 8 bytes as the log-sink document stores them.
        byte[][] symbols = [.. Enumerable.Range(0, 50).Select(i => Pad($"SYM{i:D2}" + (i % 3 == 0 ? "X" : string.Empty)))];

        var data = new MarketColumns(RowGroupRows);
        var totals = new Aggregates();
        var sampleHashes = new Dictionary<int, ulong[]>();
        long timestamp = 1_700_000_000_000_000_000;
        long orderId = 1;
        long price = 10_000_000_000;
        var stopwatch = Stopwatch.StartNew();
        TimeSpan generating = TimeSpan.Zero;
        using (ParquetFileWriter writer = ParquetFileWriter.Create(path, schema, new ParquetWriterOptions { Compression = CompressionCodec.Snappy }))
        {
            for (int g = 0; g < Rows / RowGroupRows; g++)
            {
                long before = stopwatch.ElapsedTicks;
                for (int i = 0; i < RowGroupRows; i++)
                {
                    timestamp += random.Next(0, 2_000);
                    price = Math.Max(1, price + random.Next(-500, 501));
                    data.Timestamp[i] = timestamp;
                    symbols[random.Next(symbols.Length)].CopyTo(data.Symbol.AsSpan(i * 8, 8));
                    data.OrderId[i] = orderId++;
                    data.Side[i] = random.Next(2);
                    data.Price[i] = price;
                    data.Quantity[i] = random.Next(1, 10_001);
                    data.OrderType[i] = random.Next(4);
                    data.Exchange[i] = random.Next(1, 13);
                }

                totals.Add(data);
                if (s_sampledGroups.Contains(g))
                {
                    sampleHashes[g] = data.Hashes();
                }

                generating += TimeSpan.FromTicks((long)((stopwatch.ElapsedTicks - before) * (TimeSpan.TicksPerSecond / (double)Stopwatch.Frequency)));
                using RowGroupWriter rg = writer.BeginRowGroup();
                rg.WriteColumn<long>(0, data.Timestamp);
                rg.WriteFixedLenByteArrays(1, data.Symbol);
                rg.WriteColumn<long>(2, data.OrderId);
                rg.WriteColumn<int>(3, data.Side);
                rg.WriteColumn<long>(4, data.Price);
                rg.WriteColumn<long>(5, data.Quantity);
                rg.WriteColumn<int>(6, data.OrderType);
                rg.WriteColumn<int>(7, data.Exchange);
            }
        }

        _output.WriteLine($"generated and wrote {Rows:N0} rows in {stopwatch.Elapsed.TotalSeconds:F2} s (generating {generating.TotalSeconds:F2} s), {new FileInfo(path).Length / 1e6:F1} MB");

        stopwatch.Restart();
        string file = DuckDbSession.Literal(path);
        object?[] row = _duck.Query(
            $"""
            SELECT count(*),
                   CAST(sum(epoch_ns(timestamp_ns)) AS VARCHAR), epoch_ns(min(timestamp_ns)), epoch_ns(max(timestamp_ns)),
                   count(DISTINCT symbol), hex(min(symbol)), hex(max(symbol)),
                   CAST(sum(order_id) AS VARCHAR), min(order_id), max(order_id),
                   CAST(sum(side) AS VARCHAR), min(side), max(side),
                   CAST(sum(price) AS VARCHAR), min(price), max(price),
                   CAST(sum(quantity) AS VARCHAR), min(quantity), max(quantity),
                   CAST(sum(order_type) AS VARCHAR), min(order_type), max(order_type),
                   CAST(sum(exchange) AS VARCHAR), min(exchange), max(exchange)
            FROM read_parquet({file})
            """)[0];
        _output.WriteLine($"DuckDB aggregates in {stopwatch.Elapsed.TotalSeconds:F2} s");
        string[] actual = [.. row.Select(EdgeShapeTests.Invariant)];
        Assert.Equal(totals.Expected(), actual);
        Assert.Equal(10L, _duck.Scalar($"SELECT num_row_groups FROM parquet_file_metadata({file})"));

        stopwatch.Restart();
        using var reader = new ParquetFileReader(path);
        Assert.Equal(Rows, reader.FileMetaData.NumRows);
        foreach (int g in s_sampledGroups)
        {
            using RowGroupReader rg = reader.RowGroup(g);
            Assert.Equal(RowGroupRows, rg.MetaData.NumRows);
            var read = new MarketColumns(RowGroupRows);
            ReadAll(rg, 0, read.Timestamp);
            using (var symbol = (ColumnReader<FixedLenByteArray>)rg.Column(1))
            {
                var buffer = new FixedLenByteArray[RowGroupRows];
                int done = 0;
                while (done < RowGroupRows)
                {
                    long n = symbol.ReadBatch(RowGroupRows - done, buffer.AsSpan(0, RowGroupRows - done), out _);
                    for (int i = 0; i < n; i++)
                    {
                        Marshal.Copy(buffer[i].Pointer, read.Symbol, (done + i) * 8, 8);
                    }

                    done += (int)n;
                }
            }

            ReadAll(rg, 2, read.OrderId);
            ReadAll(rg, 3, read.Side);
            ReadAll(rg, 4, read.Price);
            ReadAll(rg, 5, read.Quantity);
            ReadAll(rg, 6, read.OrderType);
            ReadAll(rg, 7, read.Exchange);
            Assert.Equal(sampleHashes[g], read.Hashes());
        }

        _output.WriteLine($"Arrow read row groups {string.Join(",", s_sampledGroups)} in {stopwatch.Elapsed.TotalSeconds:F2} s");
    }

    private static byte[] Pad(string ticker)
    {
        byte[] bytes = new byte[8];
        System.Text.Encoding.ASCII.GetBytes(ticker, bytes);
        return bytes;
    }

    private static void ReadAll<T>(RowGroupReader rg, int column, T[] output)
        where T : unmanaged
    {
        using var reader = (ColumnReader<T>)rg.Column(column);
        int done = 0;
        while (done < output.Length)
        {
            long n = reader.ReadBatch(output.Length - done, output.AsSpan(done), out _);
            Assert.True(n > 0, $"column {column}: no values after {done}");
            done += (int)n;
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>One row group's columns, reused from group to group.</summary>
    private sealed class MarketColumns(int rows)
    {
        public long[] Timestamp { get; } = new long[rows];

        public byte[] Symbol { get; } = new byte[rows * 8];

        public long[] OrderId { get; } = new long[rows];

        public int[] Side { get; } = new int[rows];

        public long[] Price { get; } = new long[rows];

        public long[] Quantity { get; } = new long[rows];

        public int[] OrderType { get; } = new int[rows];

        public int[] Exchange { get; } = new int[rows];

        /// <summary>A 64-bit FNV-1a hash of each column's raw bytes: equal hashes mean equal columns (short of a collision).</summary>
        public ulong[] Hashes() =>
        [
            Hash(MemoryMarshal.AsBytes(Timestamp.AsSpan())), Hash(Symbol), Hash(MemoryMarshal.AsBytes(OrderId.AsSpan())),
            Hash(MemoryMarshal.AsBytes(Side.AsSpan())), Hash(MemoryMarshal.AsBytes(Price.AsSpan())), Hash(MemoryMarshal.AsBytes(Quantity.AsSpan())),
            Hash(MemoryMarshal.AsBytes(OrderType.AsSpan())), Hash(MemoryMarshal.AsBytes(Exchange.AsSpan())),
        ];

        private static ulong Hash(ReadOnlySpan<byte> bytes)
        {
            ulong hash = 14_695_981_039_346_656_037;
            foreach (ulong word in MemoryMarshal.Cast<byte, ulong>(bytes[..(bytes.Length & ~7)]))
            {
                hash = (hash ^ word) * 1_099_511_628_211;
            }

            foreach (byte b in bytes[(bytes.Length & ~7)..])
            {
                hash = (hash ^ b) * 1_099_511_628_211;
            }

            return hash;
        }
    }

    /// <summary>count, sum/min/max per column and the symbol set, in the order the DuckDB query returns them.</summary>
    private sealed class Aggregates
    {
        private readonly (BigInteger Sum, long Min, long Max)[] _numbers = [.. Enumerable.Repeat((BigInteger.Zero, long.MaxValue, long.MinValue), 7)];
        private readonly HashSet<ulong> _symbols = [];
        private long _count;

        public void Add(MarketColumns d)
        {
            _count += d.Timestamp.Length;
            Fold(0, d.Timestamp);
            Fold(1, d.OrderId);
            Fold(2, Array.ConvertAll(d.Side, v => (long)v));
            Fold(3, d.Price);
            Fold(4, d.Quantity);
            Fold(5, Array.ConvertAll(d.OrderType, v => (long)v));
            Fold(6, Array.ConvertAll(d.Exchange, v => (long)v));
            foreach (ulong s in MemoryMarshal.Cast<byte, ulong>(d.Symbol))
            {
                _symbols.Add(s);
            }
        }

        public string[] Expected()
        {
            // Symbols compare as unsigned bytes, first byte most significant: big-endian order of the 8-byte words.
            ulong[] bigEndian = [.. _symbols.Select(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness).Order()];
            string Hex(ulong be) => Convert.ToHexString(BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(be)));
            var result = new List<string> { Str(_count) };
            AddNumber(result, 0);
            result.AddRange([Str(_symbols.Count), Hex(bigEndian[0]), Hex(bigEndian[^1])]);
            for (int i = 1; i < 7; i++)
            {
                AddNumber(result, i);
            }

            return [.. result];
        }

        private void AddNumber(List<string> result, int i) => result.AddRange([_numbers[i].Sum.ToString(CultureInfo.InvariantCulture), Str(_numbers[i].Min), Str(_numbers[i].Max)]);

        private void Fold(int i, long[] values)
        {
            (BigInteger sum, long min, long max) = _numbers[i];
            Int128 partial = 0;
            foreach (long v in values)
            {
                partial += v;
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }

            _numbers[i] = (sum + (BigInteger)partial, min, max);
        }

        private static string Str(long v) => v.ToString(CultureInfo.InvariantCulture);
    }
}
