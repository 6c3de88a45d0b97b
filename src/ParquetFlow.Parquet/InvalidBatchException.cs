namespace ParquetFlow.Parquet;

/// <summary>
/// A column batch was rejected before anything was written: wrong length, a null in a required column,
/// a value out of its logical type's range, a value too long for a fixed-length column, or a type mismatch.
/// </summary>
public sealed class InvalidBatchException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="column"/>.</summary>
    public InvalidBatchException(string column, string reason)
        : base($"column '{column}': {reason}")
    {
        Column = column;
    }

    /// <summary>Name of the column whose batch was rejected.</summary>
    public string Column { get; }
}
