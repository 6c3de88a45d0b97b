namespace ParquetFlow.Parquet.Writing;

/// <summary>What one closed data page recorded for the page index and the chunk statistics.</summary>
internal readonly record struct PageStatistics(
    long RelativeOffset,
    int CompressedSizeWithHeader,
    long FirstRowIndex,
    int Rows,
    long NullCount,
    byte[]? Min,
    byte[]? Max,
    bool MinMaxOmitted)
{
    public bool IsNullPage => NullCount == Rows;
}
