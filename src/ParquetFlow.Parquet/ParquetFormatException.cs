namespace ParquetFlow.Parquet;

/// <summary>Thrown when bytes that should be Parquet (footer, page header, pages) are malformed.</summary>
public sealed class ParquetFormatException : Exception
{
    /// <summary>Creates the exception with the offset at which the problem was found (-1 when unknown).</summary>
    public ParquetFormatException(string message, long offset = -1)
        : base(message)
    {
        Offset = offset;
    }

    /// <summary>Creates the exception wrapping an inner cause.</summary>
    public ParquetFormatException(string message, Exception inner)
        : base(message, inner)
    {
        Offset = -1;
    }

    /// <summary>Byte offset of the problem within the data being read, or -1.</summary>
    public long Offset { get; }

    /// <summary>True when the data ended where more was needed: a reader that had only part of the bytes may read more and retry.</summary>
    internal bool RanOutOfData { get; init; }
}
