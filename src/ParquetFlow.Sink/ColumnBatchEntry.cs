using System.Buffers.Binary;
using System.Diagnostics;

namespace ParquetFlow.Sink;

/// <summary>
/// The layout of a column-batch entry in a <see cref="RecordRing"/> (docs/formats.md, "Log-sink ring"), written by
/// producers through this type and read by the writer thread through its static readers, so it is defined once:
/// <list type="table">
/// <item><term>0</term><description>int32 rows</description></item>
/// <item><term>4</term><description>int32 columns (the layout's fields)</description></item>
/// <item><term>8</term><description>one 16-byte descriptor a column: byte element type (<see cref="ColumnElement"/>), byte 1 when dense (0: repeated), 6 bytes zero, then int64: the repeated value as the field stores it, or the dense values' offset in the entry</description></item>
/// <item><term>8 + 16 × columns</term><description>each dense column's values, rows × element size bytes, in column order, packed</description></item>
/// </list>
/// Integers are little-endian. A producer's batch becomes one entry, or several of consecutive rows when it is longer
/// than the ring takes (<see cref="RowsPerEntry"/>); the entry keeps the producer's narrow element types, widened only
/// by the writer thread as it appends them (<see cref="ColumnBatch.AppendColumns"/>).
/// </summary>
internal readonly ref struct ColumnBatchEntry : IRingEntry
{
    /// <summary>Bytes before the descriptors.</summary>
    public const int PrefixSize = 8;

    /// <summary>Bytes of one column's descriptor.</summary>
    public const int DescriptorSize = 16;

    private readonly ReadOnlySpan<ColumnValues> _columns;
    private readonly RecordLayout _layout;
    private readonly int _firstRow;

    /// <summary>The entry of rows <paramref name="firstRow"/> .. + <paramref name="rows"/> of a batch already validated for <paramref name="layout"/>.</summary>
    public ColumnBatchEntry(RecordLayout layout, ReadOnlySpan<ColumnValues> columns, int firstRow, int rows, int denseBytesPerRow)
    {
        _layout = layout;
        _columns = columns;
        _firstRow = firstRow;
        Rows = rows;
        Length = HeadSize(columns.Length) + (rows * denseBytesPerRow);
    }

    public int Length { get; }

    public int Header => Length | RecordRing.ColumnBatchFlag;

    public int Rows { get; }

    /// <summary>Bytes of an entry's prefix and descriptors.</summary>
    public static int HeadSize(int columns) => PrefixSize + (columns * DescriptorSize);

    /// <summary>
    /// Rows one entry may carry in a ring that takes <paramref name="maxLength"/> bytes: all of them when no column is
    /// dense; 0 when not even one row fits beside the descriptors.
    /// </summary>
    public static int RowsPerEntry(int maxLength, int columns, int denseBytesPerRow)
    {
        int room = maxLength - HeadSize(columns);
        return room < 0 ? 0 : denseBytesPerRow == 0 ? int.MaxValue : room / denseBytesPerRow;
    }

    public void CopyTo(Span<byte> destination)
    {
        Debug.Assert(destination.Length == Length);
        BinaryPrimitives.WriteInt32LittleEndian(destination, Rows);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], _columns.Length);
        int data = HeadSize(_columns.Length);
        for (int i = 0; i < _columns.Length; i++)
        {
            ColumnValues column = _columns[i];
            Span<byte> descriptor = destination.Slice(PrefixSize + (i * DescriptorSize), DescriptorSize);
            descriptor[0] = (byte)column.Element;
            descriptor[1] = column.IsRepeated ? (byte)0 : (byte)1;
            descriptor[2..8].Clear();
            if (column.IsRepeated)
            {
                BinaryPrimitives.WriteInt64LittleEndian(descriptor[8..], column.RepeatedBits(_layout.Fields[i].Kind));
                continue;
            }

            int size = ColumnValues.SizeOf(column.Element);
            BinaryPrimitives.WriteInt64LittleEndian(descriptor[8..], data);
            column.Bytes.Slice(_firstRow * size, Rows * size).CopyTo(destination[data..]);
            data += Rows * size;
        }

        Debug.Assert(data == Length);
    }

    /// <summary>The rows of <paramref name="entry"/>.</summary>
    public static int RowsOf(ReadOnlySpan<byte> entry) => BinaryPrimitives.ReadInt32LittleEndian(entry);

    /// <summary>
    /// Column <paramref name="column"/> of <paramref name="entry"/>: its element type, and either its repeated value
    /// (<paramref name="dense"/> empty) or its dense values' bytes (never empty: an entry has at least one row).
    /// </summary>
    public static ColumnElement ColumnOf(ReadOnlySpan<byte> entry, int column, out long repeated, out ReadOnlySpan<byte> dense)
    {
        ReadOnlySpan<byte> descriptor = entry.Slice(PrefixSize + (column * DescriptorSize), DescriptorSize);
        var element = (ColumnElement)descriptor[0];
        long value = BinaryPrimitives.ReadInt64LittleEndian(descriptor[8..]);
        if (descriptor[1] == 0)
        {
            repeated = value;
            dense = default;
        }
        else
        {
            repeated = 0;
            dense = entry.Slice((int)value, RowsOf(entry) * ColumnValues.SizeOf(element));
        }

        return element;
    }
}
