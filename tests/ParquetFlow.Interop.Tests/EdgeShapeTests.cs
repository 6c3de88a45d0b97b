using System.Globalization;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Schema;
using PfFileMetaData = ParquetFlow.Parquet.Format.FileMetaData;

namespace ParquetFlow.Interop.Tests;

/// <summary>File shapes at the edges: no rows, one row, a row group per row, all-null columns, dictionary fall-back, metadata.</summary>
public sealed class EdgeShapeTests : IClassFixture<DuckDbSession>, IDisposable
{
    private readonly DuckDbSession _duck;
    private readonly ITestOutputHelper _output;
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-interop-edge-").FullName;

    public EdgeShapeTests(DuckDbSession duck, ITestOutputHelper output)
    {
        _duck = duck;
        _output = output;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_file_without_row_groups_reads_as_empty_with_every_type(bool nullable)
    {
        var table = GeneratedTable.FromColumns(ColumnCases.All, nullable, [.. ColumnCases.All.Select(_ => Array.Empty<object?>())], []);
        string path = Path.Combine(_directory, $"empty-{nullable}.parquet");
        using (ParquetFileWriter.Create(path, table.Schema))
        {
            // Only the footer.
        }

        await ThreeReaders.AssertReadBackAsync(_duck, table, path, "empty file");
        Assert.Equal(0L, _duck.Scalar($"SELECT count(*) FROM read_parquet({DuckDbSession.Literal(path)})"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_single_row_of_every_type_reads_back(bool nullable)
    {
        int seed = TestSeed.For("one-row", nullable);
        _output.WriteLine(TestSeed.Describe(seed));
        var random = new Random(seed);
        GeneratedTable table = GeneratedTable.Create(random, ColumnCases.All, nullable, [1], nullRate: 0.3);
        string path = Path.Combine(_directory, $"one-row-{nullable}.parquet");
        table.Write(path, new ParquetWriterOptions(), random);
        await ThreeReaders.AssertReadBackAsync(_duck, table, path, $"one row, {TestSeed.Describe(seed)}");
    }

    [Fact]
    public async Task A_row_group_per_row_reads_back_with_per_group_statistics()
    {
        int seed = TestSeed.For("row-group-per-row");
        _output.WriteLine(TestSeed.Describe(seed));
        var random = new Random(seed);
        int[] groups = Enumerable.Repeat(1, 200).ToArray();
        GeneratedTable table = GeneratedTable.Create(random, ColumnCases.All, nullable: true, groups, nullRate: 0.2);
        string path = Path.Combine(_directory, "row-group-per-row.parquet");
        table.Write(path, new ParquetWriterOptions { Compression = CompressionCodec.Zstd, DataPageVersion = DataPageVersion.V2 }, random);
        await ThreeReaders.AssertReadBackAsync(_duck, table, path, $"200 row groups of one row, {TestSeed.Describe(seed)}");
    }

    [Theory]
    [InlineData(DataPageVersion.V1)]
    [InlineData(DataPageVersion.V2)]
    public async Task Optional_columns_holding_only_nulls_read_back_as_null_with_null_counts(DataPageVersion version)
    {
        int[] groups = [300, 1, 77];
        var table = GeneratedTable.FromColumns(ColumnCases.All, nullable: true, [.. ColumnCases.All.Select(_ => new object?[groups.Sum()])], groups);
        string path = Path.Combine(_directory, $"all-null-{version}.parquet");
        table.Write(path, new ParquetWriterOptions { DataPageVersion = version, MaxRowsPerPage = 100 }, new Random(1));
        await ThreeReaders.AssertReadBackAsync(_duck, table, path, $"all-null columns, {version}");
    }

    [Fact]
    public async Task A_dictionary_that_outgrows_its_limit_falls_back_to_plain_and_reads_back()
    {
        int seed = TestSeed.For("dictionary-fallback");
        _output.WriteLine(TestSeed.Describe(seed));
        var random = new Random(seed);
        ColumnCase[] cases = [.. ColumnCases.All.Where(c => c.Name is "i32" or "i64" or "f64" or "str" or "bytes" or "flba" or "decfix")];
        GeneratedTable table = GeneratedTable.Create(random, cases, nullable: true, [3000, 2000]);
        string path = Path.Combine(_directory, "dictionary-fallback.parquet");
        var options = new ParquetWriterOptions
        {
            DictionaryPageSizeLimit = 512,
            MaxRowsPerPage = 250,
            Columns = cases.ToDictionary(c => c.Name, _ => new ColumnOptions { Encoding = ParquetEncoding.RleDictionary }),
        };
        table.Write(path, options, random);
        await ThreeReaders.AssertReadBackAsync(_duck, table, path, $"dictionary fall-back, {TestSeed.Describe(seed)}");

        // Each chunk starts with dictionary-encoded pages and continues in PLAIN once the dictionary is full.
        PfFileMetaData footer = ReadFooter(path);
        foreach (ParquetFlow.Parquet.Format.RowGroup group in footer.RowGroups)
        {
            foreach (ParquetFlow.Parquet.Format.ColumnChunk chunk in group.Columns)
            {
                var dataPages = chunk.MetaData.EncodingStats!.Where(s => s.PageType is PageType.DataPage or PageType.DataPageV2).Select(s => s.Encoding).ToHashSet();
                string name = chunk.MetaData.PathInSchema[0];
                Assert.True(dataPages.Contains(ParquetEncoding.RleDictionary) && dataPages.Contains(ParquetEncoding.Plain), $"{name}: data page encodings {string.Join(",", dataPages)}");
                Assert.NotNull(chunk.MetaData.DictionaryPageOffset);
            }
        }
    }

    [Fact]
    public async Task Key_value_metadata_and_created_by_are_visible_to_every_reader()
    {
        var metadata = new Dictionary<string, string>
        {
            ["pqflow.source"] = "market-data",
            ["unicode"] = "Grüße, 世界 😀",
            ["empty"] = string.Empty,
        };
        string path = Path.Combine(_directory, "kv.parquet");
        using (ParquetFileWriter writer = ParquetFileWriter.Create(path, new ParquetSchema(ColumnDescriptor.Int64("x")), new ParquetWriterOptions { KeyValueMetadata = metadata }))
        {
            using RowGroupWriter rg = writer.BeginRowGroup();
            rg.WriteColumn<long>(0, [1, 2, 3]);
        }

        using (var file = new ParquetSharp.ParquetFileReader(path))
        {
            using ParquetSharp.FileMetaData meta = file.FileMetaData;
            Assert.Equal(ParquetWriterOptions.DefaultCreatedBy, meta.CreatedBy);
            Assert.Equal(metadata.OrderBy(kv => kv.Key), meta.KeyValueMetadata.OrderBy(kv => kv.Key));
        }

        var duckKv = _duck.Query($"SELECT decode(key), decode(value) FROM parquet_kv_metadata({DuckDbSession.Literal(path)})")
            .ToDictionary(r => (string)r[0]!, r => (string)r[1]!);
        Assert.Equal(metadata.OrderBy(kv => kv.Key), duckKv.OrderBy(kv => kv.Key));
        Assert.Equal(ParquetWriterOptions.DefaultCreatedBy, _duck.Scalar($"SELECT created_by FROM parquet_file_metadata({DuckDbSession.Literal(path)})"));

        await using global::Parquet.ParquetReader net = await global::Parquet.ParquetReader.CreateAsync(path);
        Assert.Equal(metadata.OrderBy(kv => kv.Key), net.CustomMetadata.OrderBy(kv => kv.Key));
        Assert.Equal(ParquetWriterOptions.DefaultCreatedBy, net.Metadata!.CreatedBy);
    }

    [Fact]
    public async Task Strings_longer_than_the_statistics_limit_read_back_and_leave_min_max_out()
    {
        ColumnCase str = ColumnCases.All.Single(c => c.Name == "str");
        string longText = string.Concat(Enumerable.Repeat("日本語😀", 600)); // 600 × 13 UTF-8 bytes
        object?[] values = ["short", longText, "ünïcode", null, longText + "z"];
        var table = GeneratedTable.FromColumns([str], nullable: true, [values], [values.Length]);
        string path = Path.Combine(_directory, "long-strings.parquet");
        table.Write(path, new ParquetWriterOptions { MaxStatisticsSize = 4096 }, new Random(2));

        // Values and null counts match everywhere; min/max must be absent rather than truncated or wrong.
        await ThreeReaders.AssertReadBackAsync(_duck, table, path, "long strings", statistics: false);
        ReadBack arrow = ArrowReader.Read(path, table.Cases);
        Assert.Equal(new ChunkStatistics(0, 0, 1, null, null), arrow.Statistics.Single());
    }

    [Fact]
    public async Task Without_statistics_and_page_index_every_reader_reads_the_values_and_finds_no_statistics()
    {
        int seed = TestSeed.For("no-stats");
        _output.WriteLine(TestSeed.Describe(seed));
        var random = new Random(seed);
        GeneratedTable table = GeneratedTable.Create(random, ColumnCases.All, nullable: true, [500, 250]);
        string path = Path.Combine(_directory, "no-stats.parquet");
        table.Write(path, new ParquetWriterOptions { WriteStatistics = false, WritePageIndex = false, CreatedBy = "interop-test 1.0" }, random);
        await ThreeReaders.AssertReadBackAsync(_duck, table, path, $"no statistics, {TestSeed.Describe(seed)}", statistics: false);

        ReadBack arrow = ArrowReader.Read(path, table.Cases);
        Assert.All(arrow.Statistics, s => Assert.Equal(new ChunkStatistics(s.RowGroup, s.Column, null, null, null), s));
        Assert.All(
            _duck.Query($"SELECT stats_null_count, stats_min_value, stats_max_value FROM parquet_metadata({DuckDbSession.Literal(path)})"),
            r => Assert.All(r, Assert.Null));
        PfFileMetaData footer = ReadFooter(path);
        Assert.Equal("interop-test 1.0", footer.CreatedBy);
        Assert.All(footer.RowGroups.SelectMany(g => g.Columns), c => Assert.Null(c.ColumnIndexOffset ?? c.OffsetIndexOffset));
    }

    private static PfFileMetaData ReadFooter(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        int length = BitConverter.ToInt32(file, file.Length - 8);
        return PfFileMetaData.Read(file.AsSpan(file.Length - 8 - length, length));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    internal static string Invariant(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null";
}
