namespace ParquetFlow.Sink;

/// <summary>How a field is stored in a binary record.</summary>
public enum RecordFieldKind
{
    /// <summary>One byte, 0 = false, anything else = true; a BOOLEAN column.</summary>
    Boolean,

    /// <summary>4 bytes little-endian; an INT32 column.</summary>
    Int32,

    /// <summary>8 bytes little-endian; an INT64 column.</summary>
    Int64,

    /// <summary>12 bytes; an INT96 column.</summary>
    Int96,

    /// <summary>4 bytes IEEE 754 little-endian; a FLOAT column.</summary>
    Float,

    /// <summary>8 bytes IEEE 754 little-endian; a DOUBLE column.</summary>
    Double,

    /// <summary>A 4-byte little-endian length, then that many bytes; a BYTE_ARRAY column (records become variable length).</summary>
    ByteArray,

    /// <summary>Exactly <see cref="RecordField.Length"/> bytes; a FIXED_LEN_BYTE_ARRAY column.</summary>
    FixedBytes,

    /// <summary>Exactly <see cref="RecordField.Length"/> bytes (a C <c>char[N]</c>), trailing NULs trimmed; a STRING column.</summary>
    FixedString,
}
