using System.Buffers.Binary;
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
    private readonly RecordLayout _layout;
    private readonly Column[] _columns;

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
                Values = new byte[Math.Max(16, valueSize == 0 ? capacity * Math.Max(8, field.Length) : capacity * valueSize)],
                Offsets = valueSize == 0 ? new int[capacity + 1] : [],
                Levels = field.Nullable ? new byte[capacity] : [],
            };
        }
    }

    public int Capacity { get; }

    public int Rows { get; private set; }

    /// <summary>Appends one (valid) record as a row.</summary>
    public void Append(ReadOnlySpan<byte> record)
    {
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
