namespace ParquetFlow.Parquet;

/// <summary>
/// The set of encodings (and the data page layout) a writer picks from for columns without an explicit
/// <see cref="ColumnOptions.Encoding"/>; chosen once in <see cref="ParquetWriterOptions.Profile"/>.
/// </summary>
public enum ParquetProfile
{
    /// <summary>
    /// What every reader reads (Parquet.Net 6.1, Spark before 3.3, pandas, DuckDB, Arrow): PLAIN, RLE_DICTIONARY with
    /// its fallback to PLAIN, RLE only for levels, PLAIN booleans, data pages v1. The default.
    /// </summary>
    Compatible = 0,

    /// <summary>
    /// Smaller files for readers of the whole format: DELTA_BINARY_PACKED integers and BYTE_STREAM_SPLIT floats where
    /// the automatic choice finds them smaller, RLE booleans, data pages v2. Parquet.Net 6.1 cannot decode delta for
    /// the types it maps to DateTime, DateOnly, byte or decimal, nor RLE booleans; Spark's vectorized reader before
    /// 3.3 refuses delta.
    /// </summary>
    Compact = 1,
}
