using System.Buffers.Binary;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Parquet.Writing;

/// <summary>Compares PLAIN-encoded statistic values by a column's sort order (chunk merges, boundary order).</summary>
internal static class StatisticsOrder
{
    public static int Compare(ColumnDescriptor column, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        bool unsigned = column.SortOrder == SortOrder.Unsigned;
        return column.PhysicalType switch
        {
            PhysicalType.Boolean => a[0].CompareTo(b[0]),
            PhysicalType.Int32 => unsigned
                ? BinaryPrimitives.ReadUInt32LittleEndian(a).CompareTo(BinaryPrimitives.ReadUInt32LittleEndian(b))
                : BinaryPrimitives.ReadInt32LittleEndian(a).CompareTo(BinaryPrimitives.ReadInt32LittleEndian(b)),
            PhysicalType.Int64 => unsigned
                ? BinaryPrimitives.ReadUInt64LittleEndian(a).CompareTo(BinaryPrimitives.ReadUInt64LittleEndian(b))
                : BinaryPrimitives.ReadInt64LittleEndian(a).CompareTo(BinaryPrimitives.ReadInt64LittleEndian(b)),
            PhysicalType.Float => BinaryPrimitives.ReadSingleLittleEndian(a).CompareTo(BinaryPrimitives.ReadSingleLittleEndian(b)),
            PhysicalType.Double => BinaryPrimitives.ReadDoubleLittleEndian(a).CompareTo(BinaryPrimitives.ReadDoubleLittleEndian(b)),
            _ => column.SortOrder == SortOrder.Signed ? CompareSignedBigEndian(a, b) : a.SequenceCompareTo(b),
        };
    }

    /// <summary>Two's complement big-endian numbers of equal length (FIXED_LEN_BYTE_ARRAY decimals).</summary>
    public static int CompareSignedBigEndian(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length == 0 || b.Length == 0)
        {
            return a.Length.CompareTo(b.Length);
        }

        int first = ((sbyte)a[0]).CompareTo((sbyte)b[0]);
        return first != 0 ? first : a[1..].SequenceCompareTo(b[1..]);
    }
}
