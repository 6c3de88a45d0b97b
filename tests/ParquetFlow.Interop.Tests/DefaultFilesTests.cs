using System.Buffers.Binary;
using System.Globalization;
using Parquet.Schema;
using Parquet;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Output;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Interop.Tests;

/// <summary>
/// The files users get without configuring anything (<c>pqflow demo</c>, a <see cref="LogSink"/>, the collector's
/// partitions) are read whole by Parquet.Net 6.1, every column of every row group, with the values DuckDB reads:
/// no reader gap is allowed for the default profile.
/// </summary>
public sealed class DefaultFilesTests : IClassFixture<DuckDbSession>, IDisposable
{
    private readonly DuckDbSession _duck;
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-interop-default-").FullName;

    public DefaultFilesTests(DuckDbSession duck)
    {
        _duck = duck;
    }

    [Fact]
    public async Task The_file_of_pqflow_demo_reads_whole_in_Parquet_Net()
    {
        string path = Path.Combine(_directory, "demo.parquet");
        (int exit, _, string stderr) = PqflowProcess.Run("demo", "--file", "--rows", "30000", "--output", path);
        Assert.True(exit == 0, stderr);
        Assert.Equal(30_000, await AssertParquetNetReadsWhatDuckDbReadsAsync(path));
    }

    [Fact]
    public async Task The_files_of_a_log_sink_in_default_config_read_whole_in_Parquet_Net()
    {
        // The log-sink document's market-data record: timestamp, 8-byte symbol, order id, side, price, quantity, type, exchange.
        var layout = new RecordLayout(
            RecordField.Timestamp("timestamp_ns", TimeUnit.Nanos),
            RecordField.FixedString("symbol", 8),
            RecordField.Int64("order_id"),
            RecordField.Int32("side"),
            RecordField.Int64("price"),
            RecordField.Int64("quantity"),
            RecordField.Int32("order_type"),
            RecordField.Int32("exchange"),
            RecordField.Double("bid", nullable: true),
            RecordField.Boolean("flag"));
        var random = new Random(TestSeed.For("default-sink"));
        using (var sink = new LogSink(layout, new LogSinkOptions { FilePattern = Path.Combine(_directory, "sink-{seq}.parquet"), RowGroupRows = 4096, MaxRowsPerFile = 12_000, FullMode = RingFullMode.Wait }))
        {
            byte[] record = new byte[layout.FixedLength];
            for (int i = 0; i < 20_000; i++)
            {
                WriteRecord(layout, record, i, random);
                Assert.Equal(LogResult.Ok, sink.TryLog(record));
            }
        }

        string[] files = Directory.GetFiles(_directory, "sink-*.parquet");
        Assert.Equal(2, files.Length);
        long rows = 0;
        foreach (string file in files)
        {
            rows += await AssertParquetNetReadsWhatDuckDbReadsAsync(file);
        }

        Assert.Equal(20_000, rows);
    }

    [Fact]
    public async Task The_collector_partitions_in_default_config_read_whole_in_Parquet_Net()
    {
        string root = Path.Combine(_directory, "collector");
        using (var output = new ParquetOutput(root))
        {
            var packet = new RackPacket();
            for (int p = 0; p < 200; p++)
            {
                packet.SourceType = p % 2 == 0 ? SourceType.Rack : SourceType.Sbmu;
                packet.SourceId = 1 + (p % 3);
                packet.Command = PacketCommand.Diff;
                packet.Sequence = p;
                packet.TimestampUs = 1_764_720_000_000_000 + (p * 1000L);
                packet.SetCount(100);
                for (int r = 0; r < 100; r++)
                {
                    packet.Control[r] = (ushort)(r * 7);
                    packet.Data[r] = (ushort)((p * 31) + (r * 13));
                }

                output.Write(packet);
            }
        }

        string[] files = Directory.GetFiles(root, "*.parquet", SearchOption.AllDirectories);
        Assert.True(files.Length >= 4, $"{files.Length} partition files");
        long rows = 0;
        foreach (string file in files)
        {
            rows += await AssertParquetNetReadsWhatDuckDbReadsAsync(file);
        }

        Assert.Equal(200 * 100, rows);
    }

    [Fact]
    public async Task Monotonic_timestamps_of_the_default_profile_read_in_every_reader()
    {
        object?[] values = [.. Enumerable.Range(0, 5000).Select(i => (object?)(1_700_000_000_000_000_000 + (i * 1_000L)))];
        var table = GeneratedTable.FromColumns([ColumnCases.All.Single(c => c.Name == "ts_ns_local")], nullable: false, [values], [values.Length]);
        string path = Path.Combine(_directory, "timestamps.parquet");
        table.Write(path, new ParquetWriterOptions(), new Random(3));
        await ThreeReaders.AssertReadBackAsync(_duck, table, path, path, defaultProfile: true);
    }

    private static void WriteRecord(RecordLayout layout, byte[] record, int i, Random random)
    {
        Span<byte> r = record;
        r.Clear();
        BinaryPrimitives.WriteInt64LittleEndian(r[layout.OffsetOf(0)..], 1_700_000_000_000_000_000 + (i * 1_000L) + random.Next(1000));
        "ABCDEFGH"u8[..(1 + (i % 8))].CopyTo(r[layout.OffsetOf(1)..]);
        BinaryPrimitives.WriteInt64LittleEndian(r[layout.OffsetOf(2)..], i);
        BinaryPrimitives.WriteInt32LittleEndian(r[layout.OffsetOf(3)..], i & 1);
        BinaryPrimitives.WriteInt64LittleEndian(r[layout.OffsetOf(4)..], 100_000_000 + random.Next(5000));
        BinaryPrimitives.WriteInt64LittleEndian(r[layout.OffsetOf(5)..], 100 * random.Next(1, 50));
        BinaryPrimitives.WriteInt32LittleEndian(r[layout.OffsetOf(6)..], i % 4);
        BinaryPrimitives.WriteInt32LittleEndian(r[layout.OffsetOf(7)..], random.Next(3));
        if (i % 9 == 0)
        {
            r[0] |= (byte)(1 << layout.NullBitOf(8));   // bid is null in every ninth record
        }
        else
        {
            BinaryPrimitives.WriteDoubleLittleEndian(r[layout.OffsetOf(8)..], 99.5 + random.NextDouble());
        }

        r[layout.OffsetOf(9)] = (byte)(random.Next(2));
    }

    /// <summary>Reads every column of every row group with Parquet.Net and DuckDB and compares them value by value; returns the rows.</summary>
    private async Task<long> AssertParquetNetReadsWhatDuckDbReadsAsync(string path)
    {
        await using ParquetReader reader = await ParquetReader.CreateAsync(path);
        DataField[] fields = reader.Schema.GetDataFields();
        var net = new List<string?>[fields.Length];
        for (int c = 0; c < fields.Length; c++)
        {
            net[c] = [];
        }

        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using ParquetRowGroupReader group = reader.OpenRowGroupReader(g);
            for (int c = 0; c < fields.Length; c++)
            {
                foreach (object? value in await ParquetNetReader.ReadColumnAsync(group, fields[c], checked((int)group.RowCount)))
                {
                    net[c].Add(Text(value));
                }
            }
        }

        // DuckDB reads a UTC-adjusted timestamp as TIMESTAMPTZ (microseconds) and Parquet.Net as a DateTime (100 ns):
        // compare in microseconds (the matrix checks nanoseconds exactly).
        string select = string.Join(", ", fields.Select(f => f.ClrType == typeof(DateTime) ? $"epoch_us({DuckDbSession.Quote(f.Name)})" : DuckDbSession.Quote(f.Name)));
        List<object?[]> duck = _duck.Query($"SELECT {select} FROM read_parquet({DuckDbSession.Literal(path)})");
        for (int c = 0; c < fields.Length; c++)
        {
            Assert.True(duck.Count == net[c].Count, $"{path} {fields[c].Name}: Parquet.Net read {net[c].Count} values, DuckDB {duck.Count}");
            for (int row = 0; row < duck.Count; row++)
            {
                string? expected = Text(duck[row][c]);
                if (expected != net[c][row])
                {
                    Assert.Fail($"{path} {fields[c].Name} row {row}: DuckDB {expected ?? "null"}, Parquet.Net {net[c][row] ?? "null"}");
                }
            }
        }

        return duck.Count;
    }

    /// <summary>One spelling for both readers' values (timestamps in microseconds since the epoch).</summary>
    private static string? Text(object? value) => value switch
    {
        null => null,
        DateTime t => ((t.ToUniversalTime() - DateTime.UnixEpoch).Ticks / 10).ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        byte[] bytes => Convert.ToHexString(bytes),
        ReadOnlyMemory<byte> m => Convert.ToHexString(m.Span),
        ReadOnlyMemory<char> m => m.ToString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
