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
/// Column batches are kept as compact as they came until the row group is written: a repeated value as a run (value,
/// rows), narrow integers (a collector's UInt16 offsets and values) at their own width; <see cref="WriteTo"/> expands
/// them into a per-thread scratch buffer. A collector partition then holds about 4 bytes a row, not 28, while its row
/// group fills. A column falls back to plain dense values (the field's width) when what arrives no longer fits its form.
/// </summary>
internal sealed class ColumnBatch
{
    /// <summary>Rows the buffers first hold; they double as rows arrive, up to <see cref="Capacity"/>.</summary>
    internal const int InitialRows = 1024;

    [ThreadStatic]
    private static byte[]? s_scratch; // the writer thread's buffer for expanding compact columns in WriteTo

    private readonly RecordLayout _layout;
    private readonly Column[] _columns;
    private int _allocated; // rows every dense column's buffers hold now (record appends)
    private bool _compact; // a column batch was appended since the last Clear: columns may be runs or narrow

    /// <summary>
    /// Buffers for up to <paramref name="capacity"/> rows, allocated on first use and grown as rows arrive: a quiet sink
    /// (one of a thousand collector partitions, a row group a minute) holds what its rows need, not a full row group's
    /// worth, and a busy one reaches its size after a few doublings and keeps it.
    /// </summary>
    public ColumnBatch(RecordLayout layout, int capacity)
    {
        _layout = layout;
        Capacity = capacity;
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
                Offsets = valueSize == 0 ? new int[1] : [],
            };
        }
    }

    public int Capacity { get; }

    public int Rows { get; private set; }

    /// <summary>Rows every dense column's buffers hold now (records make them dense; at most <see cref="Capacity"/>).</summary>
    internal int AllocatedRows => _allocated;

    /// <summary>Bytes the column buffers hold now (what the batch costs in memory, whatever it holds).</summary>
    internal long AllocatedBytes
    {
        get
        {
            long bytes = 0;
            foreach (Column c in _columns)
            {
                bytes += c.Values.Length + ((long)c.Offsets.Length * 4) + c.Levels.Length + ((long)c.RunValues.Length * 8) + ((long)c.RunEnds.Length * 4);
            }

            return bytes;
        }
    }

    /// <summary>Grows every column's buffers so that <paramref name="rows"/> more rows fit (at least doubling, at most <see cref="Capacity"/>).</summary>
    private void Reserve(int rows)
    {
        int needed = Rows + rows;
        if (needed <= _allocated)
        {
            return;
        }

        int grown = (int)Math.Min(Capacity, Math.Max(Math.Max(needed, InitialRows), (long)_allocated * 2));
        foreach (Column c in _columns)
        {
            if (c.ValueSize > 0)
            {
                if (c.Values.Length < grown * c.ValueSize)
                {
                    Array.Resize(ref c.Values, Math.Max(16, grown * c.ValueSize));
                }
            }
            else
            {
                Array.Resize(ref c.Offsets, grown + 1);
                if (c.Values.Length == 0)
                {
                    c.Values = new byte[Math.Max(16, grown * Math.Max(8, c.Size))];
                }
            }

            if (c.NullBit >= 0)
            {
                Array.Resize(ref c.Levels, grown);
            }
        }

        _allocated = grown;
    }

    /// <summary>Makes every column plain dense values again, with room for <see cref="Rows"/> (before a record is appended).</summary>
    private void Densify()
    {
        foreach (Column c in _columns)
        {
            c.Densify();
        }

        _allocated = Rows; // every dense buffer holds at least this many rows; Reserve grows them all from here
        _compact = false;
    }

    /// <summary>Appends one (valid) record as a row.</summary>
    public void Append(ReadOnlySpan<byte> record)
    {
        if (_compact)
        {
            Densify();
        }

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
        _compact = true;
        Column[] columns = _columns;
        for (int i = 0; i < columns.Length; i++)
        {
            Column c = columns[i];
            ColumnElement element = ColumnBatchEntry.ColumnOf(entry, i, out long repeated, out ReadOnlySpan<byte> dense);
            if (dense.IsEmpty)
            {
                if (c.Count == 0 || c.Form == ColumnForm.Runs)
                {
                    c.AddRun(repeated, rows);
                    continue;
                }

                c.Densify();
                c.Grow((c.Count + rows) * c.Size, Capacity * c.Size);
                Fill(c.Values.AsSpan(c.Count * c.Size, rows * c.Size), c.Kind, repeated);
                c.Count += rows;
                continue;
            }

            int size = ColumnValues.SizeOf(element);
            ReadOnlySpan<byte> values = dense.Slice(firstRow * size, rows * size);
            if (c.Count == 0 && size < c.Size && c.Kind is RecordFieldKind.Int32 or RecordFieldKind.Int64)
            {
                c.Form = ColumnForm.Narrow;
                c.Element = element;
            }

            if (c.Form == ColumnForm.Narrow && c.Element == element)
            {
                c.Grow((c.Count + rows) * size, Capacity * size);
                values.CopyTo(c.Values.AsSpan(c.Count * size));
                c.Count += rows;
                continue;
            }

            c.Densify();
            c.Grow((c.Count + rows) * c.Size, Capacity * c.Size);
            Widen(values, element, c.Values.AsSpan(c.Count * c.Size, rows * c.Size), c.Kind);
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
            if (c.Form != ColumnForm.Dense)
            {
                WriteExpanded(group, i, c);
                continue;
            }

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

    /// <summary>Lets every buffer go (the batch must be empty); the next rows allocate them again from small.</summary>
    public void Release()
    {
        Debug.Assert(Rows == 0);
        foreach (Column c in _columns)
        {
            c.Values = [];
            c.RunValues = [];
            c.RunEnds = [];
            c.Levels = [];
            if (c.ValueSize == 0)
            {
                c.Offsets = new int[1];
            }
        }

        _allocated = 0;
    }

    /// <summary>A run or narrow column, expanded to the field's width in the writer thread's scratch buffer and written.</summary>
    private static void WriteExpanded(RowGroupWriter group, int index, Column c)
    {
        int bytes = c.Count * c.Size;
        byte[] scratch = s_scratch is { } existing && existing.Length >= bytes
            ? existing
            : s_scratch = new byte[Math.Max(bytes, Math.Min(2 * (s_scratch?.Length ?? 0), 1 << 20))];
        Span<byte> target = scratch.AsSpan(0, bytes);
        c.ExpandTo(target);
        switch (c.Kind)
        {
            case RecordFieldKind.Int32:
                group.WriteColumn(index, MemoryMarshal.Cast<byte, int>(target), default);
                break;
            case RecordFieldKind.Float:
                group.WriteColumn(index, MemoryMarshal.Cast<byte, float>(target), default);
                break;
            case RecordFieldKind.Int64:
                group.WriteColumn(index, MemoryMarshal.Cast<byte, long>(target), default);
                break;
            case RecordFieldKind.Double:
                group.WriteColumn(index, MemoryMarshal.Cast<byte, double>(target), default);
                break;
            default:
                group.WriteColumn(index, MemoryMarshal.Cast<byte, bool>(target), default);
                break;
        }
    }

    public void Clear()
    {
        foreach (Column c in _columns)
        {
            c.Count = 0;
            c.RunCount = 0;
            c.Form = ColumnForm.Dense;
        }

        Rows = 0;
        _compact = false;
    }

    /// <summary>How a column holds its values while the row group fills.</summary>
    private enum ColumnForm
    {
        /// <summary>Values at the field's width in <see cref="Column.Values"/>.</summary>
        Dense,

        /// <summary>Repeated values: <see cref="Column.RunValues"/> (as the field stores them) up to row <see cref="Column.RunEnds"/>.</summary>
        Runs,

        /// <summary>Integers at <see cref="Column.Element"/>'s width in <see cref="Column.Values"/>, widened when written.</summary>
        Narrow,
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
        public ColumnForm Form;
        public ColumnElement Element; // of a narrow column
        public long[] RunValues = [];
        public int[] RunEnds = [];
        public int RunCount;

        /// <summary>
        /// Makes <see cref="Values"/> hold at least <paramref name="bytes"/>, keeping what it holds: doubling, but never
        /// past <paramref name="most"/> (a full row group at the width it is kept in).
        /// </summary>
        public void Grow(int bytes, int most)
        {
            if (Values.Length < bytes)
            {
                Array.Resize(ref Values, Math.Max(bytes, Math.Min(most, Math.Max(64, Values.Length * 2))));
            }
        }

        public void AddRun(long value, int rows)
        {
            Form = ColumnForm.Runs;
            if (RunCount > 0 && RunValues[RunCount - 1] == value)
            {
                RunEnds[RunCount - 1] += rows;
            }
            else
            {
                if (RunCount == RunValues.Length)
                {
                    int grown = Math.Max(16, RunCount * 2);
                    Array.Resize(ref RunValues, grown);
                    Array.Resize(ref RunEnds, grown);
                }

                RunValues[RunCount] = value;
                RunEnds[RunCount] = Count + rows;
                RunCount++;
            }

            Count += rows;
        }

        /// <summary>Writes the column's <see cref="Count"/> values at the field's width to <paramref name="target"/>.</summary>
        public void ExpandTo(Span<byte> target)
        {
            if (Form == ColumnForm.Runs)
            {
                int start = 0;
                for (int r = 0; r < RunCount; r++)
                {
                    Fill(target[(start * Size)..(RunEnds[r] * Size)], Kind, RunValues[r]);
                    start = RunEnds[r];
                }
            }
            else if (Form == ColumnForm.Narrow)
            {
                Widen(Values.AsSpan(0, Count * ColumnValues.SizeOf(Element)), Element, target, Kind);
            }
            else
            {
                Values.AsSpan(0, Count * Size).CopyTo(target);
            }
        }

        /// <summary>Turns a run or narrow column into dense values at the field's width (with the same values).</summary>
        public void Densify()
        {
            if (Form == ColumnForm.Dense)
            {
                return;
            }

            // Runs expand into the buffer an earlier row group left when it is large enough; narrow values need a new one.
            byte[] dense = Form == ColumnForm.Runs && Values.Length >= Count * Size ? Values : new byte[Math.Max(64, Count * Size)];
            ExpandTo(dense.AsSpan(0, Count * Size));
            Values = dense;
            Form = ColumnForm.Dense;
            RunCount = 0;
        }

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
