namespace ParquetFlow.Parquet.Schema;

/// <summary>How statistics compare values of a column.</summary>
public enum SortOrder
{
    /// <summary>Two's complement / IEEE numeric order.</summary>
    Signed,

    /// <summary>Unsigned integers; byte arrays lexicographically as unsigned bytes.</summary>
    Unsigned,

    /// <summary>No defined order (INT96): no min/max is written.</summary>
    Undefined,
}
