namespace ParquetFlow.Parquet;

/// <summary>
/// A logical type annotation (what the physical bytes mean). Immutable; create with the static factories.
/// </summary>
public sealed record LogicalType
{
    private LogicalType(LogicalTypeKind kind)
    {
        Kind = kind;
    }

    /// <summary>The annotation.</summary>
    public LogicalTypeKind Kind { get; }

    /// <summary>TIME/TIMESTAMP unit.</summary>
    public TimeUnit Unit { get; private init; }

    /// <summary>TIME/TIMESTAMP: values are instants in UTC (true) or local wall-clock times (false).</summary>
    public bool IsAdjustedToUtc { get; private init; }

    /// <summary>INTEGER bit width (8, 16, 32, 64).</summary>
    public int BitWidth { get; private init; }

    /// <summary>INTEGER signedness.</summary>
    public bool IsSigned { get; private init; }

    /// <summary>DECIMAL precision (total digits).</summary>
    public int Precision { get; private init; }

    /// <summary>DECIMAL scale (digits after the point).</summary>
    public int Scale { get; private init; }

    /// <summary>UTF-8 text (BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY).</summary>
    public static LogicalType String() => new(LogicalTypeKind.String);

    /// <summary>Days since 1970-01-01 (INT32).</summary>
    public static LogicalType Date() => new(LogicalTypeKind.Date);

    /// <summary>JSON text (BYTE_ARRAY).</summary>
    public static LogicalType Json() => new(LogicalTypeKind.Json);

    /// <summary>Enum text (BYTE_ARRAY).</summary>
    public static LogicalType Enum() => new(LogicalTypeKind.Enum);

    /// <summary>A 16-byte UUID (FIXED_LEN_BYTE_ARRAY(16)).</summary>
    public static LogicalType Uuid() => new(LogicalTypeKind.Uuid);

    /// <summary>
    /// An annotation without parameters that the footer reader describes but the writer does not write (MAP, LIST,
    /// UNKNOWN, BSON, FLOAT16): a schema holding one is refused by <see cref="Schema.ParquetSchema"/> validation.
    /// </summary>
    internal static LogicalType Annotation(LogicalTypeKind kind) => new(kind);

    /// <summary>An instant or local time since the epoch (INT64).</summary>
    public static LogicalType Timestamp(TimeUnit unit, bool isAdjustedToUtc = true) =>
        new(LogicalTypeKind.Timestamp) { Unit = unit, IsAdjustedToUtc = isAdjustedToUtc };

    /// <summary>Time of day (INT32 for millis, INT64 for micros and nanos).</summary>
    public static LogicalType Time(TimeUnit unit, bool isAdjustedToUtc = true) =>
        new(LogicalTypeKind.Time) { Unit = unit, IsAdjustedToUtc = isAdjustedToUtc };

    /// <summary>An integer of 8, 16, 32 or 64 bits, signed or unsigned (INT32 up to 32 bits, INT64 for 64).</summary>
    public static LogicalType Integer(int bitWidth, bool isSigned)
    {
        if (bitWidth is not (8 or 16 or 32 or 64))
        {
            throw new ArgumentOutOfRangeException(nameof(bitWidth), bitWidth, "integer bit width must be 8, 16, 32 or 64");
        }

        return new LogicalType(LogicalTypeKind.Integer) { BitWidth = bitWidth, IsSigned = isSigned };
    }

    /// <summary>A decimal number: unscaled value × 10^-scale (INT32, INT64, FIXED_LEN_BYTE_ARRAY or BYTE_ARRAY).</summary>
    public static LogicalType Decimal(int precision, int scale)
    {
        if (precision < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "decimal precision must be at least 1");
        }

        if (scale < 0 || scale > precision)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "decimal scale must be between 0 and the precision");
        }

        return new LogicalType(LogicalTypeKind.Decimal) { Precision = precision, Scale = scale };
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        LogicalTypeKind.Timestamp => $"TIMESTAMP({Unit.ToString().ToUpperInvariant()}, {(IsAdjustedToUtc ? "UTC" : "local")})",
        LogicalTypeKind.Time => $"TIME({Unit.ToString().ToUpperInvariant()}, {(IsAdjustedToUtc ? "UTC" : "local")})",
        LogicalTypeKind.Integer => $"INT({BitWidth}, {(IsSigned ? "signed" : "unsigned")})",
        LogicalTypeKind.Decimal => $"DECIMAL({Precision}, {Scale})",
        _ => Kind.ToString().ToUpperInvariant(),
    };
}
