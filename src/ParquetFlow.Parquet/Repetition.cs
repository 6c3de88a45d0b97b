namespace ParquetFlow.Parquet;

/// <summary>Whether a column may hold nulls; values are the format's Thrift enum values.</summary>
public enum Repetition
{
    Required = 0,
    Optional = 1,
    Repeated = 2,
}
