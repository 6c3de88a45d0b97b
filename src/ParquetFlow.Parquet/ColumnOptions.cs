namespace ParquetFlow.Parquet;

/// <summary>Per-column overrides of the writer's automatic choices.</summary>
public sealed record ColumnOptions
{
    /// <summary>
    /// Value encoding: <see cref="ParquetEncoding.Plain"/>, <see cref="ParquetEncoding.RleDictionary"/> (falls back
    /// to PLAIN when the dictionary outgrows its limit), <see cref="ParquetEncoding.DeltaBinaryPacked"/> (INT32/INT64),
    /// <see cref="ParquetEncoding.ByteStreamSplit"/> (FLOAT/DOUBLE) or <see cref="ParquetEncoding.Rle"/> (BOOLEAN).
    /// Null chooses automatically from the first values of each column chunk.
    /// </summary>
    public ParquetEncoding? Encoding { get; init; }
}
