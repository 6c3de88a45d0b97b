using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Sink;

/// <summary>One field of a binary record and the Parquet column it becomes.</summary>
public sealed record RecordField
{
    private RecordField(string name, RecordFieldKind kind, int length, bool nullable, LogicalType? logicalType)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Kind = kind;
        Length = length;
        Nullable = nullable;
        LogicalType = logicalType;
    }

    /// <summary>The column name.</summary>
    public string Name { get; }

    /// <summary>How the field is stored in the record.</summary>
    public RecordFieldKind Kind { get; }

    /// <summary>Bytes the field takes in the record (for <see cref="RecordFieldKind.ByteArray"/>: 4, the length prefix, plus data).</summary>
    public int Length { get; }

    /// <summary>Whether the column is optional (the field then has a bit in the record's null bitmap).</summary>
    public bool Nullable { get; }

    /// <summary>The logical type of the Parquet column, if any.</summary>
    public LogicalType? LogicalType { get; }

    /// <summary>A BOOLEAN field (1 byte).</summary>
    public static RecordField Boolean(string name, bool nullable = false) => new(name, RecordFieldKind.Boolean, 1, nullable, null);

    /// <summary>An INT32 field (4 bytes).</summary>
    public static RecordField Int32(string name, bool nullable = false, LogicalType? logicalType = null) => new(name, RecordFieldKind.Int32, 4, nullable, logicalType);

    /// <summary>An INT64 field (8 bytes).</summary>
    public static RecordField Int64(string name, bool nullable = false, LogicalType? logicalType = null) => new(name, RecordFieldKind.Int64, 8, nullable, logicalType);

    /// <summary>An INT64 timestamp field (8 bytes) with the TIMESTAMP logical type, UTC-adjusted.</summary>
    public static RecordField Timestamp(string name, TimeUnit unit, bool nullable = false) => new(name, RecordFieldKind.Int64, 8, nullable, Parquet.LogicalType.Timestamp(unit, true));

    /// <summary>An INT96 field (12 bytes).</summary>
    public static RecordField Int96(string name, bool nullable = false) => new(name, RecordFieldKind.Int96, 12, nullable, null);

    /// <summary>A FLOAT field (4 bytes).</summary>
    public static RecordField Float(string name, bool nullable = false) => new(name, RecordFieldKind.Float, 4, nullable, null);

    /// <summary>A DOUBLE field (8 bytes).</summary>
    public static RecordField Double(string name, bool nullable = false) => new(name, RecordFieldKind.Double, 8, nullable, null);

    /// <summary>A length-prefixed BYTE_ARRAY field (use <see cref="Parquet.LogicalType.String"/> for text).</summary>
    public static RecordField ByteArray(string name, bool nullable = false, LogicalType? logicalType = null) => new(name, RecordFieldKind.ByteArray, 4, nullable, logicalType);

    /// <summary>A FIXED_LEN_BYTE_ARRAY field of <paramref name="length"/> bytes.</summary>
    public static RecordField FixedBytes(string name, int length, bool nullable = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        return new(name, RecordFieldKind.FixedBytes, length, nullable, null);
    }

    /// <summary>A <c>char[length]</c> field written as a STRING column with trailing NUL bytes removed.</summary>
    public static RecordField FixedString(string name, int length, bool nullable = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        return new(name, RecordFieldKind.FixedString, length, nullable, Parquet.LogicalType.String());
    }

    /// <summary>The Parquet column this field is written to.</summary>
    public ColumnDescriptor ToColumn() => Kind switch
    {
        RecordFieldKind.Boolean => ColumnDescriptor.Boolean(Name, Nullable),
        RecordFieldKind.Int32 => ColumnDescriptor.Int32(Name, Nullable, LogicalType),
        RecordFieldKind.Int64 => ColumnDescriptor.Int64(Name, Nullable, LogicalType),
        RecordFieldKind.Int96 => ColumnDescriptor.Int96(Name, Nullable),
        RecordFieldKind.Float => ColumnDescriptor.Float(Name, Nullable),
        RecordFieldKind.Double => ColumnDescriptor.Double(Name, Nullable),
        RecordFieldKind.ByteArray => ColumnDescriptor.ByteArray(Name, Nullable, LogicalType),
        RecordFieldKind.FixedBytes => ColumnDescriptor.FixedLenByteArray(Name, Length, Nullable),
        _ => ColumnDescriptor.String(Name, Nullable),
    };
}
