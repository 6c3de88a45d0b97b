using ParquetFlow.Parquet;

namespace ParquetFlow.Interop.Tests;

/// <summary>
/// Where the readers disagree on a valid file: DuckDB and Arrow C++ read it exactly, Parquet.Net 6.1.0 fails.
/// Each test pins one gap down (and will fail, on purpose, once the reader closes it, so ReaderGaps can shrink).
/// Every gap is outside the default profile: explicit encodings, the compact profile or v2 pages.
/// </summary>
public sealed class ReaderGapTests : IClassFixture<DuckDbSession>, IDisposable
{
    private readonly DuckDbSession _duck;
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-interop-gap-").FullName;

    public ReaderGapTests(DuckDbSession duck)
    {
        _duck = duck;
    }

    [Fact]
    public async Task Parquet_Net_cannot_decode_RLE_encoded_booleans_that_DuckDB_and_Arrow_read()
    {
        GeneratedTable table = Single("bool", [true, true, false, null, true, false, false, false], nullable: true);
        string path = Write(table, "rle-bool", new ParquetWriterOptions { Columns = Encode("bool", ParquetEncoding.Rle) });
        await AssertOnlyParquetNetFailsAsync<DivideByZeroException>(table, path);
    }

    [Theory]
    [InlineData("int8")]
    [InlineData("uint8")]
    [InlineData("date")]
    [InlineData("ts_ns_local")]
    [InlineData("ts_ms_utc")]
    [InlineData("dec32")]
    [InlineData("dec64")]
    public async Task Parquet_Net_cannot_decode_DELTA_BINARY_PACKED_for_types_it_does_not_map_to_int_or_long(string name)
    {
        ColumnCase cc = ColumnCases.All.Single(c => c.Name == name);
        var random = new Random(TestSeed.For("delta-gap", name));
        object?[] values = [.. Enumerable.Range(0, 300).Select(_ => cc.Generate(random))];
        GeneratedTable table = Single(name, values, nullable: false);
        string path = Write(table, "delta-" + name, new ParquetWriterOptions { Columns = Encode(name, ParquetEncoding.DeltaBinaryPacked) });
        await AssertOnlyParquetNetFailsAsync<NotSupportedException>(table, path);
    }

    [Fact]
    public async Task Parquet_Net_cannot_read_monotonic_timestamps_written_with_the_compact_profile()
    {
        // The compact profile's automatic choice picks DELTA_BINARY_PACKED for monotonic INT64 timestamps (the
        // log-sink's timestamp_ns), which Parquet.Net 6.1.0 cannot decode for DateTime columns. The default profile
        // writes them PLAIN (DefaultFilesTests.Monotonic_timestamps_of_the_default_profile_read_in_every_reader).
        object?[] values = [.. Enumerable.Range(0, 5000).Select(i => (object?)(1_700_000_000_000_000_000 + (i * 1_000L)))];
        var table = GeneratedTable.FromColumns([ColumnCases.All.Single(c => c.Name == "ts_ns_local")], nullable: false, [values], [values.Length]);
        string path = Write(table, "auto-timestamps", new ParquetWriterOptions { Profile = ParquetProfile.Compact });
        await AssertOnlyParquetNetFailsAsync<NotSupportedException>(table, path);
    }

    [Fact]
    public async Task Parquet_Net_cannot_read_booleans_written_with_the_compact_profile()
    {
        GeneratedTable table = Single("bool", [true, true, false, null, true, false, false, false], nullable: true);
        string path = Write(table, "compact-bool", new ParquetWriterOptions { Profile = ParquetProfile.Compact });
        await AssertOnlyParquetNetFailsAsync<DivideByZeroException>(table, path);
    }

    [Theory]
    [InlineData(CompressionCodec.Lz4Raw, DataPageVersion.V2, true, true)]
    [InlineData(CompressionCodec.Lz4Raw, DataPageVersion.V1, true, false)]
    [InlineData(CompressionCodec.Lz4Raw, DataPageVersion.V2, false, false)]
    [InlineData(CompressionCodec.Snappy, DataPageVersion.V2, true, false)]
    [InlineData(CompressionCodec.Zstd, DataPageVersion.V2, true, false)]
    public async Task Parquet_Net_fails_on_optional_INT96_only_in_LZ4_RAW_v2_pages(CompressionCodec codec, DataPageVersion version, bool nullable, bool parquetNetFails)
    {
        var random = new Random(TestSeed.For("int96-lz4", codec, version, nullable));
        ColumnCase cc = ColumnCases.All.Single(c => c.Name == "i96");
        object?[] values = [.. Enumerable.Range(0, 500).Select(i => nullable && i % 5 == 0 ? null : cc.Generate(random))];
        GeneratedTable table = Single("i96", values, nullable);
        string path = Write(table, $"i96-{codec}-{version}-{nullable}", new ParquetWriterOptions { Compression = codec, DataPageVersion = version });
        if (parquetNetFails)
        {
            await AssertOnlyParquetNetFailsAsync<IndexOutOfRangeException>(table, path);
        }
        else
        {
            await ThreeReaders.AssertReadBackAsync(_duck, table, path, path);
        }
    }

    private async Task AssertOnlyParquetNetFailsAsync<TException>(GeneratedTable table, string path)
        where TException : Exception
    {
        Verify.Matches(table, ArrowReader.Read(path, table.Cases), Verify.Reader.Arrow, path);
        Verify.Matches(table, _duck.Read(path, table.Cases), Verify.Reader.DuckDb, path);
        InvalidOperationException e = await Assert.ThrowsAsync<InvalidOperationException>(() => ParquetNetReader.ReadAsync(path, table.Cases));
        Assert.IsType<TException>(e.InnerException);
    }

    private static GeneratedTable Single(string name, object?[] values, bool nullable) =>
        GeneratedTable.FromColumns([ColumnCases.All.Single(c => c.Name == name)], nullable, [values], [values.Length]);

    private static Dictionary<string, ColumnOptions> Encode(string column, ParquetEncoding encoding) => new() { [column] = new ColumnOptions { Encoding = encoding } };

    private string Write(GeneratedTable table, string name, ParquetWriterOptions options)
    {
        string path = Path.Combine(_directory, name + ".parquet");
        table.Write(path, options, new Random(3));
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
