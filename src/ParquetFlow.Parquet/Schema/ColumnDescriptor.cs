namespace ParquetFlow.Parquet.Schema;

/// <summary>
/// One flat (leaf) column: name, physical type, whether it may hold nulls, and what its bytes mean.
/// Immutable; validated when a <see cref="ParquetSchema"/> is built from it.
/// </summary>
public sealed record ColumnDescriptor
{
    /// <summary>Creates a column; prefer the typed factories (<see cref="Int64"/>, <see cref="String"/>, ...).</summary>
    public ColumnDescriptor(string name, PhysicalType physicalType, Repetition repetition = Repetition.Required, int typeLength = 0, LogicalType? logicalType = null)
    {
        Name = name;
        PhysicalType = physicalType;
        Repetition = repetition;
        TypeLength = typeLength;
        LogicalType = logicalType;
    }

    /// <summary>Column name as readers see it.</summary>
    public string Name { get; }

    /// <summary>Storage type.</summary>
    public PhysicalType PhysicalType { get; }

    /// <summary>Required (no nulls) or optional.</summary>
    public Repetition Repetition { get; }

    /// <summary>Byte length of each value of a FIXED_LEN_BYTE_ARRAY column (0 otherwise).</summary>
    public int TypeLength { get; }

    /// <summary>Logical annotation, or null for a plain physical column.</summary>
    public LogicalType? LogicalType { get; }

    /// <summary>True when the column may hold nulls.</summary>
    public bool IsNullable => Repetition == Repetition.Optional;

    /// <summary>Maximum definition level (1 for optional, 0 for required columns).</summary>
    public int MaxDefinitionLevel => IsNullable ? 1 : 0;

    /// <summary>The sort order statistics follow for this column.</summary>
    public SortOrder SortOrder => PhysicalType switch
    {
        PhysicalType.Int96 => SortOrder.Undefined,
        PhysicalType.Boolean => SortOrder.Unsigned,
        PhysicalType.Int32 or PhysicalType.Int64 => LogicalType is { Kind: LogicalTypeKind.Integer, IsSigned: false } ? SortOrder.Unsigned : SortOrder.Signed,
        PhysicalType.Float or PhysicalType.Double => SortOrder.Signed,
        _ => LogicalType?.Kind == LogicalTypeKind.Decimal ? SortOrder.Signed : SortOrder.Unsigned,
    };

    /// <summary>The legacy converted type that matches the logical type, when there is one.</summary>
    public ConvertedType? ConvertedType => LogicalType switch
    {
        null => null,
        { Kind: LogicalTypeKind.String } => Parquet.ConvertedType.Utf8,
        { Kind: LogicalTypeKind.Enum } => Parquet.ConvertedType.Enum,
        { Kind: LogicalTypeKind.Json } => Parquet.ConvertedType.Json,
        { Kind: LogicalTypeKind.Bson } => Parquet.ConvertedType.Bson,
        { Kind: LogicalTypeKind.Date } => Parquet.ConvertedType.Date,
        { Kind: LogicalTypeKind.Decimal } => Parquet.ConvertedType.Decimal,
        { Kind: LogicalTypeKind.Time, IsAdjustedToUtc: true, Unit: TimeUnit.Millis } => Parquet.ConvertedType.TimeMillis,
        { Kind: LogicalTypeKind.Time, IsAdjustedToUtc: true, Unit: TimeUnit.Micros } => Parquet.ConvertedType.TimeMicros,
        { Kind: LogicalTypeKind.Timestamp, IsAdjustedToUtc: true, Unit: TimeUnit.Millis } => Parquet.ConvertedType.TimestampMillis,
        { Kind: LogicalTypeKind.Timestamp, IsAdjustedToUtc: true, Unit: TimeUnit.Micros } => Parquet.ConvertedType.TimestampMicros,
        { Kind: LogicalTypeKind.Integer } t => (t.BitWidth, t.IsSigned) switch
        {
            (8, true) => Parquet.ConvertedType.Int8,
            (16, true) => Parquet.ConvertedType.Int16,
            (32, true) => Parquet.ConvertedType.Int32,
            (64, true) => Parquet.ConvertedType.Int64,
            (8, false) => Parquet.ConvertedType.UInt8,
            (16, false) => Parquet.ConvertedType.UInt16,
            (32, false) => Parquet.ConvertedType.UInt32,
            _ => Parquet.ConvertedType.UInt64,
        },
        _ => null,
    };

    /// <summary>Bytes of one value in memory and in PLAIN encoding, for fixed-width types (0 for BYTE_ARRAY).</summary>
    public int ValueSize => PhysicalType switch
    {
        PhysicalType.Boolean => 1,
        PhysicalType.Int32 or PhysicalType.Float => 4,
        PhysicalType.Int64 or PhysicalType.Double => 8,
        PhysicalType.Int96 => 12,
        PhysicalType.FixedLenByteArray => TypeLength,
        _ => 0,
    };

    /// <summary>Compares two PLAIN-encoded statistic values by this column's sort order.</summary>
    public int CompareStatistics(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => Writing.StatisticsOrder.Compare(this, a, b);

    private static Repetition Rep(bool nullable) => nullable ? Repetition.Optional : Repetition.Required;

    /// <summary>BOOLEAN.</summary>
    public static ColumnDescriptor Boolean(string name, bool nullable = false) => new(name, PhysicalType.Boolean, Rep(nullable));

    /// <summary>INT32, optionally annotated (INT(8/16/32), DATE, DECIMAL, TIME(MILLIS)).</summary>
    public static ColumnDescriptor Int32(string name, bool nullable = false, LogicalType? logicalType = null) => new(name, PhysicalType.Int32, Rep(nullable), 0, logicalType);

    /// <summary>INT64, optionally annotated (INT(64), TIMESTAMP, DECIMAL, TIME(MICROS/NANOS)).</summary>
    public static ColumnDescriptor Int64(string name, bool nullable = false, LogicalType? logicalType = null) => new(name, PhysicalType.Int64, Rep(nullable), 0, logicalType);

    /// <summary>INT96 (legacy Impala/Spark timestamps: 8 bytes nanoseconds of day, 4 bytes Julian day).</summary>
    public static ColumnDescriptor Int96(string name, bool nullable = false) => new(name, PhysicalType.Int96, Rep(nullable));

    /// <summary>FLOAT.</summary>
    public static ColumnDescriptor Float(string name, bool nullable = false) => new(name, PhysicalType.Float, Rep(nullable));

    /// <summary>DOUBLE.</summary>
    public static ColumnDescriptor Double(string name, bool nullable = false) => new(name, PhysicalType.Double, Rep(nullable));

    /// <summary>BYTE_ARRAY (binary), optionally annotated.</summary>
    public static ColumnDescriptor ByteArray(string name, bool nullable = false, LogicalType? logicalType = null) => new(name, PhysicalType.ByteArray, Rep(nullable), 0, logicalType);

    /// <summary>BYTE_ARRAY annotated STRING (UTF-8).</summary>
    public static ColumnDescriptor String(string name, bool nullable = false) => new(name, PhysicalType.ByteArray, Rep(nullable), 0, Parquet.LogicalType.String());

    /// <summary>FIXED_LEN_BYTE_ARRAY of <paramref name="length"/> bytes, optionally annotated (DECIMAL, UUID).</summary>
    public static ColumnDescriptor FixedLenByteArray(string name, int length, bool nullable = false, LogicalType? logicalType = null) => new(name, PhysicalType.FixedLenByteArray, Rep(nullable), length, logicalType);

    /// <summary>INT64 TIMESTAMP.</summary>
    public static ColumnDescriptor Timestamp(string name, TimeUnit unit, bool isAdjustedToUtc = true, bool nullable = false) => Int64(name, nullable, Parquet.LogicalType.Timestamp(unit, isAdjustedToUtc));

    /// <summary>INT32 DATE (days since 1970-01-01).</summary>
    public static ColumnDescriptor Date(string name, bool nullable = false) => Int32(name, nullable, Parquet.LogicalType.Date());

    /// <inheritdoc/>
    public override string ToString()
    {
        string type = PhysicalType == PhysicalType.FixedLenByteArray ? $"FIXED_LEN_BYTE_ARRAY({TypeLength})" : PhysicalTypeName(PhysicalType);
        string logical = LogicalType is null ? string.Empty : " " + LogicalType;
        return $"{Name}: {type}{logical} {(IsNullable ? "optional" : "required")}";
    }

    /// <summary>The format's name of a physical type (INT64, BYTE_ARRAY, ...).</summary>
    public static string PhysicalTypeName(PhysicalType type) => type switch
    {
        PhysicalType.Boolean => "BOOLEAN",
        PhysicalType.Int32 => "INT32",
        PhysicalType.Int64 => "INT64",
        PhysicalType.Int96 => "INT96",
        PhysicalType.Float => "FLOAT",
        PhysicalType.Double => "DOUBLE",
        PhysicalType.ByteArray => "BYTE_ARRAY",
        PhysicalType.FixedLenByteArray => "FIXED_LEN_BYTE_ARRAY",
        _ => type.ToString(),
    };
}
