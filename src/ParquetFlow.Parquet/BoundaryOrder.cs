namespace ParquetFlow.Parquet;

/// <summary>How the page minima and maxima of a column index are ordered.</summary>
public enum BoundaryOrder
{
    Unordered = 0,
    Ascending = 1,
    Descending = 2,
}
