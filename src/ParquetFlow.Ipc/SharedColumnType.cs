namespace ParquetFlow.Ipc;

/// <summary>Column types of a <see cref="SharedRingSchema"/>; all little-endian, naturally aligned in the row.</summary>
public enum SharedColumnType
{
    /// <summary>IEEE 754 double, 8 bytes.</summary>
    F64,

    /// <summary>IEEE 754 single, 4 bytes.</summary>
    F32,

    /// <summary>Signed 64-bit integer.</summary>
    I64,

    /// <summary>Signed 32-bit integer.</summary>
    I32,

    /// <summary>Signed 16-bit integer.</summary>
    I16,

    /// <summary>Unsigned 64-bit integer.</summary>
    U64,

    /// <summary>Unsigned 32-bit integer.</summary>
    U32,

    /// <summary>Unsigned 16-bit integer.</summary>
    U16,

    /// <summary>Unsigned 8-bit integer.</summary>
    U8,

    /// <summary>One byte, 0 or 1.</summary>
    Bool,

    /// <summary>Signed 64-bit nanoseconds since the Unix epoch (UTC).</summary>
    TimestampNs,
}
