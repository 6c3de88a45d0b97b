namespace ParquetFlow.Parquet;

/// <summary>How a <see cref="ParquetFileWriter"/> encodes, compresses and indexes. Defaults suit telemetry.</summary>
public sealed record ParquetWriterOptions
{
    /// <summary>The <c>created_by</c> string readers see.</summary>
    public const string DefaultCreatedBy = "parquetflow version 0.1.0 (build parquetflow)";

    /// <summary>Page codec. Default SNAPPY.</summary>
    public CompressionCodec Compression { get; init; } = CompressionCodec.Snappy;

    /// <summary>Codec level (ZSTD 1..22, GZIP 1..9, LZ4_RAW 3..12 for high compression); 0 picks the codec's fast default.</summary>
    public int CompressionLevel { get; init; }

    /// <summary>
    /// The encodings of columns without an explicit <see cref="ColumnOptions.Encoding"/>, and the data page layout
    /// unless <see cref="DataPageVersion"/> names one. Default <see cref="ParquetProfile.Compatible"/>, which every
    /// reader reads; <see cref="ParquetProfile.Compact"/> for smaller files.
    /// </summary>
    public ParquetProfile Profile { get; init; } = ParquetProfile.Compatible;

    /// <summary>Data page layout; null (the default) takes the profile's: V1 for Compatible, V2 for Compact.</summary>
    public DataPageVersion? DataPageVersion { get; init; }

    /// <summary>The data page layout written: <see cref="DataPageVersion"/>, or the profile's.</summary>
    public DataPageVersion EffectiveDataPageVersion =>
        DataPageVersion ?? (Profile == ParquetProfile.Compact ? Parquet.DataPageVersion.V2 : Parquet.DataPageVersion.V1);

    /// <summary>Write the CRC-32 of each page's bytes in its header (<c>PageHeader.crc</c>), so readers can tell a damaged page. Default true.</summary>
    public bool WritePageChecksums { get; init; } = true;

    /// <summary>A page is closed once its encoded values reach this many bytes. Default 1 MiB.</summary>
    public int DataPageSize { get; init; } = 1 << 20;

    /// <summary>A page is closed once it holds this many rows (keeps the page index useful). Default 20,000.</summary>
    public int MaxRowsPerPage { get; init; } = 20_000;

    /// <summary>A dictionary larger than this falls back to PLAIN for the rest of the chunk. Default 1 MiB.</summary>
    public int DictionaryPageSizeLimit { get; init; } = 1 << 20;

    /// <summary><see cref="ParquetFileWriter.Write(IReadOnlyList{ColumnData})"/> closes a row group at this many rows. Default 1,048,576.</summary>
    public int MaxRowsPerRowGroup { get; init; } = 1 << 20;

    /// <summary>
    /// <see cref="ParquetFileWriter.Write(IReadOnlyList{ColumnData})"/> closes a row group once its encoded,
    /// compressed column chunks reach this many bytes. Default 128 MiB.
    /// </summary>
    public long RowGroupTargetBytes { get; init; } = 128L << 20;

    /// <summary>Write min/max/null-count statistics per page and per chunk. Default true.</summary>
    public bool WriteStatistics { get; init; } = true;

    /// <summary>Write the page index (ColumnIndex and OffsetIndex). Default true.</summary>
    public bool WritePageIndex { get; init; } = true;

    /// <summary>Byte-array min/max values longer than this are left out of the statistics. Default 4096.</summary>
    public int MaxStatisticsSize { get; init; } = 4096;

    /// <summary>Columns of one row group are encoded on up to this many threads when the row group closes. Default 1.</summary>
    public int MaxDegreeOfParallelism { get; init; } = 1;

    /// <summary>Writer identity in the footer.</summary>
    public string CreatedBy { get; init; } = DefaultCreatedBy;

    /// <summary>File-level key-value metadata.</summary>
    public IReadOnlyDictionary<string, string>? KeyValueMetadata { get; init; }

    /// <summary>Per-column overrides by column name.</summary>
    public IReadOnlyDictionary<string, ColumnOptions>? Columns { get; init; }

    internal ColumnOptions For(string column) =>
        Columns is not null && Columns.TryGetValue(column, out ColumnOptions? options) ? options : s_automatic;

    private static readonly ColumnOptions s_automatic = new();

    internal void Validate()
    {
        if (!Enum.IsDefined(Profile))
        {
            throw new ArgumentOutOfRangeException(nameof(Profile), Profile, "the profile is Compatible or Compact");
        }

        if (DataPageSize < 64)
        {
            throw new ArgumentOutOfRangeException(nameof(DataPageSize), DataPageSize, "page size must be at least 64 bytes");
        }

        if (MaxRowsPerPage < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRowsPerPage), MaxRowsPerPage, "pages need at least one row");
        }

        if (MaxRowsPerRowGroup < 1 || RowGroupTargetBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRowsPerRowGroup), "row groups need at least one row and one byte");
        }

        if (DictionaryPageSizeLimit < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(DictionaryPageSizeLimit), DictionaryPageSizeLimit, "must not be negative");
        }

        if (Compression == CompressionCodec.Zstd && CompressionLevel is < -7 or > 22)
        {
            throw new ArgumentOutOfRangeException(nameof(CompressionLevel), CompressionLevel, "ZSTD levels run from -7 to 22");
        }

        if (Compression == CompressionCodec.Gzip && CompressionLevel is < 0 or > 9)
        {
            throw new ArgumentOutOfRangeException(nameof(CompressionLevel), CompressionLevel, "GZIP levels run from 0 to 9");
        }
    }
}
