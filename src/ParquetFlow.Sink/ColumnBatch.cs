using System.Buffers.Binary;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ParquetFlow.Parquet;

namespace ParquetFlow.Sink;

/// <summary>
/// The writer thread's column buffers: records are copied field by field straight from the ring into one buffer per
/// column (dense non-null values, one definition level per row for nullable columns, offsets for byte arrays), which
/// live as long as the sink and are reused for every row group. Records must already be valid for the layout.
/// </summary>
internal sealed class ColumnBatch
{
    /// <summary>Rows the buffers first hold; they double as rows arrive, up to <see cref="Capacity"/>.</summary>
    internal const int InitialRows = 1024;

    private readonly RecordLayout _layout;
    private readonly Column[] _columns;
    private int _allocated; // rows every column's buffers hold now

    /// <summary>
    /// Buffers for up to <paramref name="capacity"/> rows, allocated for <see cref="InitialRows"/> at first and grown as
    /// rows arrive: a quiet sink (one of a thousand collector partitions, a row group a minute) holds what its rows need,
    /// not a full row group's worth, and a busy one reaches its size after a few doublings and keeps it.
    /// </summary>
    public ColumnBatch(RecordLayout layout, int capacity)
    {
        _layout = layout;
        Capacity = capacity;
        _allocated = Math.Min(capacity, InitialRows);
        int initial = _allocated;
        _columns = new Column[layout.Fields.Count];
        for (int i = 0; i < _columns.Length; i++)
        {
            RecordField field = layout.Fields[i];
            int valueSize = field.Kind switch
            {
                RecordFieldKind.ByteArray or RecordFieldKind.FixedString => 0,
                _ => field.Length,
            };
            _columns[i] = new Column
            {
                Kind = field.Kind,
                Offset = layout.OffsetOf(i),
                NullBit = layout.NullBitOf(i),
                Size = field.Length,
                ValueSize = valueSize,
                Values = new byte[Math.Max(16, valueSize == 0 ? initial * Math.Max(8, field.Length) : initial * valueSize)],
                Offsets = valueSize == 0 ? new int[initial + 1] : [],
                Levels = field.Nullable ? new byte[initial] : [],
            };
        }
    }

    public int Capacity { get; }

    public int Rows { get; private set; }

    /// <summary>Rows the buffers hold now (at most <see cref="Capacity"/>).</summary>
    internal int AllocatedRows => _allocated;

    /// <summary>Grows every column's buffers so that <paramref name="rows"/> more rows fit (at least doubling, at most <see cref="Capacity"/>).</summary>
    private void Reserve(int rows)
    {
        int needed = Rows + rows;
        if (needed <= _allocated)
        {
            return;
        }

        int grown = (int)Math.Min(Capacity, Math.Max(needed, (long)_allocated * 2));
        foreach (Column c in _columns)
        {
            if (c.ValueSize > 0)
            {
                Array.Resize(ref c.Values, Math.Max(16, grown * c.ValueSize));
            }
            else
            {
                Array.Resize(ref c.Offsets, grown + 1);
            }

            if (c.Levels.Length > 0)
            {
                Array.Resize(ref c.Levels, grown);
            }
        }

        _allocated = grown;
    }

    /// <summary>Appends one (valid) record as a row.</summary>
    public void Append(ReadOnlySpan<byte> record)
    {
        if (Rows == _allocated)
        {
            Reserve(1);
        }

        int row = Rows;
        ref byte start = ref MemoryMarshal.GetReference(record);
        int position = _layout.BitmapLength;
        Column[] columns = _columns;
        for (int i = 0; i < columns.Length; i++)
        {
            Column c = columns[i];
            bool isNull = false;
            if (c.NullBit >= 0)
            {
                isNull = (record[c.NullBit >> 3] & (1 << (c.NullBit & 7))) != 0;
                c.Levels[row] = isNull ? (byte)0 : (byte)1;
            }

            int at = c.Offset >= 0 ? c.Offset : position;
            switch (c.Kind)
            {
                case RecordFieldKind.Int32:
                case RecordFieldKind.Float:
                    if (!isNull)
                    {
                        Unsafe.WriteUnaligned(ref c.Values[c.Count * 4], Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref start, at)));
                        c.Count++;
                    }

                    position = at + 4;
                    break;
                case RecordFieldKind.Int64:
                case RecordFieldKind.Double:
                    if (!isNull)
                    {
                        Unsafe.WriteUnaligned(ref c.Values[c.Count * 8], Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref start, at)));
                        c.Count++;
                    }

                    position = at + 8;
                    break;
                case RecordFieldKind.Boolean:
                    if (!isNull)
                    {
                        c.Values[c.Count++] = record[at] != 0 ? (byte)1 : (byte)0;
                    }

                    position = at + 1;
                    break;
                case RecordFieldKind.Int96:
                case RecordFieldKind.FixedBytes:
                    if (!isNull)
                    {
                        record.Slice(at, c.Size).CopyTo(c.Values.AsSpan(c.Count * c.Size));
                        c.Count++;
                    }

                    position = at + c.Size;
                    break;
                case RecordFieldKind.FixedString:
                    if (!isNull)
                    {
                        ReadOnlySpan<byte> text = record.Slice(at, c.Size);
                        int length = text.LastIndexOfAnyExcept((byte)0) + 1;
                        c.AppendBytes(text[..length]);
                    }

                    position = at + c.Size;
                    break;
                default:
                    {
                        int length = BinaryPrimitives.ReadInt32LittleEndian(record[at..]);
                        if (!isNull)
                        {
                            c.AppendBytes(record.Slice(at + 4, length));
                        }

                        position = at + 4 + length;
                        break;
                    }
            }
        }

        Rows = row + 1;
    }

    /// <summary>
    /// Appends rows <paramref name="firstRow"/> .. + <paramref name="rows"/> of a column-batch entry
    /// (<see cref="ColumnBatchEntry"/>, valid for the layout, which <see cref="RecordLayout.AcceptsColumns"/>) column by
    /// column: a repeated value is filled in, dense values are copied or widened straight into the column's buffer.
    /// </summary>
    public void AppendColumns(ReadOnlySpan<byte> entry, int firstRow, int rows)
    {
        Debug.Assert(_layout.AcceptsColumns && rows <= Capacity - Rows && firstRow + rows <= ColumnBatchEntry.RowsOf(entry));
        Reserve(rows);
        Column[] columns = _columns;
        for (int i = 0; i < columns.Length; i++)
        {
            Column c = columns[i];
            ColumnElement element = ColumnBatchEntry.ColumnOf(entry, i, out long repeated, out ReadOnlySpan<byte> dense);
            Span<byte> target = c.Values.AsSpan(c.Count * c.Size, rows * c.Size);
            if (dense.IsEmpty)
            {
                Fill(target, c.Kind, repeated);
            }
            else
            {
                int size = ColumnValues.SizeOf(element);
                Widen(dense.Slice(firstRow * size, rows * size), element, target, c.Kind);
            }

            c.Count += rows;
        }

        Rows += rows;
    }

    private static void Fill(Span<byte> target, RecordFieldKind kind, long value)
    {
        switch (kind)
        {
            case RecordFieldKind.Int64:
            case RecordFieldKind.Double:
                MemoryMarshal.Cast<byte, long>(target).Fill(value);
                break;
            case RecordFieldKind.Boolean:
                target.Fill((byte)value);
                break;
            default:
                MemoryMarshal.Cast<byte, int>(target).Fill((int)value);
                break;
        }
    }

    /// <summary>Values of <paramref name="element"/> into a field of <paramref name="kind"/>: same width copied, narrower widened (<see cref="ColumnValues"/>' table).</summary>
    private static void Widen(ReadOnlySpan<byte> source, ColumnElement element, Span<byte> target, RecordFieldKind kind)
    {
        if (kind == RecordFieldKind.Boolean)
        {
            ColumnWidening.CopyBooleans(source, target);
            return;
        }

        if (source.Length == target.Length)
        {
            source.CopyTo(target);
            return;
        }

        if (kind == RecordFieldKind.Int32)
        {
            Widen(source, element, MemoryMarshal.Cast<byte, int>(target));
        }
        else if (kind == RecordFieldKind.Int64)
        {
            Widen(source, element, MemoryMarshal.Cast<byte, long>(target));
        }
        else
        {
            ColumnWidening.Widen(MemoryMarshal.Cast<byte, float>(source), MemoryMarshal.Cast<byte, double>(target));
        }
    }

    private static void Widen<TTo>(ReadOnlySpan<byte> source, ColumnElement element, Span<TTo> target)
        where TTo : unmanaged, INumberBase<TTo>
    {
        switch (element)
        {
            case ColumnElement.SByte:
                ColumnWidening.Widen(MemoryMarshal.Cast<byte, sbyte>(source), target);
                break;
            case ColumnElement.Byte:
                ColumnWidening.Widen(source, target);
                break;
            case ColumnElement.Int16:
                ColumnWidening.Widen(MemoryMarshal.Cast<byte, short>(source), target);
                break;
            case ColumnElement.UInt16:
                ColumnWidening.Widen(MemoryMarshal.Cast<byte, ushort>(source), target);
                break;
            case ColumnElement.Int32:
                ColumnWidening.Widen(MemoryMarshal.Cast<byte, int>(source), target);
                break;
            default:
                ColumnWidening.Widen(MemoryMarshal.Cast<byte, uint>(source), target);
                break;
        }
    }

    /// <summary>Writes every column of the batch into <paramref name="group"/>; the batch keeps its rows (to be written again if the disk failed) until <see cref="Clear"/>.</summary>
    public void WriteTo(RowGroupWriter group)
    {
        int rows = Rows;
        for (int i = 0; i < _columns.Length; i++)
        {
            Column c = _columns[i];
            ReadOnlySpan<byte> levels = c.NullBit >= 0 ? c.Levels.AsSpan(0, rows) : default;
            switch (c.Kind)
            {
                case RecordFieldKind.Int32:
                    group.WriteColumn(i, MemoryMarshal.Cast<byte, int>(c.Values.AsSpan(0, c.Count * 4)), levels);
                    break;
                case RecordFieldKind.Float:
                    group.WriteColumn(i, MemoryMarshal.Cast<byte, float>(c.Values.AsSpan(0, c.Count * 4)), levels);
                    break;
                case RecordFieldKind.Int64:
                    group.WriteColumn(i, MemoryMarshal.Cast<byte, long>(c.Values.AsSpan(0, c.Count * 8)), levels);
                    break;
                case RecordFieldKind.Double:
                    group.WriteColumn(i, MemoryMarshal.Cast<byte, double>(c.Values.AsSpan(0, c.Count * 8)), levels);
                    break;
                case RecordFieldKind.Boolean:
                    group.WriteColumn(i, MemoryMarshal.Cast<byte, bool>(c.Values.AsSpan(0, c.Count)), levels);
                    break;
                case RecordFieldKind.Int96:
                    group.WriteColumn(i, MemoryMarshal.Cast<byte, Int96>(c.Values.AsSpan(0, c.Count * 12)), levels);
                    break;
                case RecordFieldKind.FixedBytes:
                    group.WriteFixedLenByteArrays(i, c.Values.AsSpan(0, c.Count * c.Size), levels);
                    break;
                default:
                    group.WriteByteArrays(i, c.Values.AsSpan(0, c.Offsets[c.Count]), c.Offsets.AsSpan(0, c.Count + 1), levels);
                    break;
            }
        }
    }

    public void Clear()
    {
        foreach (Column c in _columns)
        {
            c.Count = 0;
        }

        Rows = 0;
    }

    private sealed class Column
    {
        public RecordFieldKind Kind;
        public int Offset;
        public int NullBit;
        public int Size;
        public int ValueSize; // bytes per value in Values; 0 for byte arrays (Values grows with the bytes, Offsets with the rows)
        public byte[] Values = [];
        public int[] Offsets = [];
        public byte[] Levels = [];
        public int Count;

        public void AppendBytes(ReadOnlySpan<byte> bytes)
        {
            int end = Offsets[Count];
            if (end + bytes.Length > Values.Length)
            {
                Array.Resize(ref Values, Math.Max(Values.Length * 2, end + bytes.Length));
            }

            bytes.CopyTo(Values.AsSpan(end));
            Offsets[++Count] = end + bytes.Length;
        }
    }
}
