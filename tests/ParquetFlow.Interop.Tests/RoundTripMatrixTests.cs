using ParquetFlow.Parquet;

namespace ParquetFlow.Interop.Tests;

/// <summary>
/// The randomized matrix: codec × page version × required/optional × encoding choice, each a file with one column
/// per type case in several row groups and pages, read back by DuckDB, Arrow C++ and Parquet.Net.
/// </summary>
public sealed class RoundTripMatrixTests : IClassFixture<DuckDbSession>, IDisposable
{
    private readonly DuckDbSession _duck;
    private readonly ITestOutputHelper _output;
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-interop-").FullName;

    public RoundTripMatrixTests(DuckDbSession duck, ITestOutputHelper output)
    {
        _duck = duck;
        _output = output;
    }

    /// <summary>How the column encodings are chosen in a matrix cell.</summary>
    public enum EncodingMode
    {
        /// <summary>
        /// The writer decides within its profile: the default (Compatible, pages v1) in the v1 cells, where Parquet.Net
        /// must read every column; Compact (pages v2) in the v2 cells, where its reader gaps stay pinned.
        /// </summary>
        Automatic,

        /// <summary>PLAIN everywhere.</summary>
        Plain,

        /// <summary>RLE_DICTIONARY everywhere it exists (booleans stay automatic).</summary>
        Dictionary,

        /// <summary>DELTA_BINARY_PACKED for INT32/INT64, BYTE_STREAM_SPLIT for FLOAT/DOUBLE, RLE for BOOLEAN.</summary>
        TypeSpecific,
    }

    public static TheoryData<CompressionCodec, DataPageVersion, bool, EncodingMode> Matrix()
    {
        var data = new TheoryData<CompressionCodec, DataPageVersion, bool, EncodingMode>();
        foreach (CompressionCodec codec in new[] { CompressionCodec.Uncompressed, CompressionCodec.Snappy, CompressionCodec.Gzip, CompressionCodec.Zstd, CompressionCodec.Lz4Raw })
        {
            foreach (DataPageVersion version in new[] { DataPageVersion.V1, DataPageVersion.V2 })
            {
                foreach (bool nullable in new[] { false, true })
                {
                    foreach (EncodingMode mode in Enum.GetValues<EncodingMode>())
                    {
                        data.Add(codec, version, nullable, mode);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Every_type_reads_back_exactly_in_DuckDB_Arrow_and_ParquetNet(CompressionCodec codec, DataPageVersion version, bool nullable, EncodingMode mode)
    {
        int seed = TestSeed.For(codec, version, nullable, mode);
        _output.WriteLine(TestSeed.Describe(seed));
        var random = new Random(seed);

        // Several row groups of uneven sizes (one of a single row), and for two thirds of the cells pages far smaller
        // than a row group, so page boundaries, dictionary pages and chunk statistics all get exercised.
        string path = Path.Combine(_directory, $"{codec}-{version}-{nullable}-{mode}.parquet");
        int[] groups = [random.Next(600, 1200), 1, random.Next(200, 900), random.Next(1, 50)];
        // Page shapes: one page per chunk, 512-byte pages, row-limited pages, or tiny pages of a few values each.
        int shape = random.Next(4);
        var options = new ParquetWriterOptions
        {
            Compression = codec,
            Profile = mode == EncodingMode.Automatic && version == DataPageVersion.V2 ? ParquetProfile.Compact : ParquetProfile.Compatible,
            DataPageVersion = mode == EncodingMode.Automatic ? null : version,   // Automatic: the profile's page version
            DataPageSize = shape switch { 0 => 1 << 20, 1 => 512, 2 => 4096, _ => 64 },
            MaxRowsPerPage = shape switch { 2 => random.Next(50, 300), 3 => random.Next(1, 8), _ => 20_000 },
            Columns = ColumnOptionsFor(mode),
            MaxDegreeOfParallelism = random.Next(1, 3),
        };
        _output.WriteLine($"file {path}");
        _output.WriteLine($"row groups {string.Join(",", groups)}, DataPageSize {options.DataPageSize}, MaxRowsPerPage {options.MaxRowsPerPage}, threads {options.MaxDegreeOfParallelism}");

        GeneratedTable table = GeneratedTable.Create(random, ColumnCases.All, nullable, groups);
        table.Write(path, options, random);

        string context = $"{codec} {version} {(nullable ? "optional" : "required")} {mode}, {TestSeed.Describe(seed)}";
        bool defaultProfile = mode == EncodingMode.Automatic && version == DataPageVersion.V1;
        bool compact = mode == EncodingMode.Automatic && version == DataPageVersion.V2;
        await ThreeReaders.AssertReadBackAsync(
            _duck,
            table,
            path,
            context,
            booleansRequestedRle: mode == EncodingMode.TypeSpecific || compact,
            lz4V2Optional: codec == CompressionCodec.Lz4Raw && version == DataPageVersion.V2 && nullable,
            defaultProfile: defaultProfile);
        ChunkLayout.AssertEncodingsAndCodec(path, table, codec, mode, version);
    }

    [Theory]
    [InlineData(CompressionCodec.Zstd, 1)]
    [InlineData(CompressionCodec.Zstd, 19)]
    [InlineData(CompressionCodec.Zstd, -5)]
    [InlineData(CompressionCodec.Gzip, 1)]
    [InlineData(CompressionCodec.Gzip, 9)]
    [InlineData(CompressionCodec.Lz4Raw, 9)]
    public async Task Compression_levels_read_back_in_every_reader(CompressionCodec codec, int level)
    {
        int seed = TestSeed.For("level", codec, level);
        _output.WriteLine(TestSeed.Describe(seed));
        var random = new Random(seed);
        string path = Path.Combine(_directory, $"{codec}-level{level}.parquet");
        GeneratedTable table = GeneratedTable.Create(random, ColumnCases.All, nullable: true, [700, 300]);
        table.Write(path, new ParquetWriterOptions { Compression = codec, CompressionLevel = level, DataPageVersion = DataPageVersion.V2, MaxRowsPerPage = 250 }, random);
        await ThreeReaders.AssertReadBackAsync(_duck, table, path, $"{codec} level {level}, {TestSeed.Describe(seed)}", lz4V2Optional: codec == CompressionCodec.Lz4Raw);
    }

    internal static Dictionary<string, ColumnOptions>? ColumnOptionsFor(EncodingMode mode)
    {
        if (mode == EncodingMode.Automatic)
        {
            return null;
        }

        var columns = new Dictionary<string, ColumnOptions>();
        foreach (ColumnCase c in ColumnCases.All)
        {
            ParquetEncoding? encoding = (mode, c.Kind) switch
            {
                (EncodingMode.Plain, _) => ParquetEncoding.Plain,
                (EncodingMode.Dictionary, ValueKind.Bool) => null,
                (EncodingMode.Dictionary, _) => ParquetEncoding.RleDictionary,
                (EncodingMode.TypeSpecific, ValueKind.Bool) => ParquetEncoding.Rle,
                (EncodingMode.TypeSpecific, ValueKind.Int32 or ValueKind.UInt32 or ValueKind.Int64 or ValueKind.UInt64) => ParquetEncoding.DeltaBinaryPacked,
                (EncodingMode.TypeSpecific, ValueKind.Float or ValueKind.Double) => ParquetEncoding.ByteStreamSplit,
                _ => null,
            };
            columns[c.Name] = new ColumnOptions { Encoding = encoding };
        }

        return columns;
    }

    public void Dispose()
    {
        // PQFLOW_INTEROP_KEEP=1 keeps the files for a closer look at a failure.
        if (Environment.GetEnvironmentVariable("PQFLOW_INTEROP_KEEP") != "1")
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
