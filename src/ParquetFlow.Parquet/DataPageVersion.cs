namespace ParquetFlow.Parquet;

/// <summary>Which data page layout to write.</summary>
public enum DataPageVersion
{
    /// <summary>DATA_PAGE: levels and values compressed together; read by every reader.</summary>
    V1 = 1,

    /// <summary>DATA_PAGE_V2: levels uncompressed ahead of the values, row counts in the header.</summary>
    V2 = 2,
}
