namespace ParquetFlow.Parquet;

/// <summary>Unit of TIME and TIMESTAMP logical types.</summary>
public enum TimeUnit
{
    Millis = 1,
    Micros = 2,
    Nanos = 3,
}
