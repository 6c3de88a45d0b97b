namespace ParquetFlow.Parquet;

/// <summary>
/// Which page codecs <see cref="ParquetFileWriter"/> writes: the format also names LZO, BROTLI and the legacy
/// Hadoop-framed LZ4, which it does not (the legacy LZ4 is deprecated by the format itself; LZ4_RAW replaces it).
/// </summary>
public static class CompressionCodecs
{
    /// <summary>The codecs the writer writes, in the order a help text lists them.</summary>
    public static IReadOnlyList<CompressionCodec> Writable { get; } =
        [CompressionCodec.Uncompressed, CompressionCodec.Snappy, CompressionCodec.Gzip, CompressionCodec.Zstd, CompressionCodec.Lz4Raw];

    /// <summary>True when the writer writes pages compressed with <paramref name="codec"/>.</summary>
    public static bool CanWrite(CompressionCodec codec) =>
        codec is CompressionCodec.Uncompressed or CompressionCodec.Snappy or CompressionCodec.Gzip or CompressionCodec.Zstd or CompressionCodec.Lz4Raw;

    /// <summary>The format's name of a codec (UNCOMPRESSED, SNAPPY, ..., LZ4_RAW).</summary>
    public static string FormatName(CompressionCodec codec) => codec switch
    {
        CompressionCodec.Lz4Raw => "LZ4_RAW",
        _ => codec.ToString().ToUpperInvariant(),
    };
}
