namespace ParquetFlow.Parquet.Schema;

/// <summary>Thrown when a schema is invalid: duplicate names, a logical type that does not fit its physical type, ...</summary>
public sealed class SchemaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SchemaException(string message)
        : base(message)
    {
    }
}
