using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using ParquetFlow.Parquet.Schema;
using ParquetFlow.Parquet.Writing;

namespace ParquetFlow.Parquet;

/// <summary>
/// Receives the column batches of one row group. Each column may be written in several batches, in any
/// order; different columns may be written from different threads at the same time, one thread per column.
/// <see cref="End"/> (or <see cref="Dispose"/>) checks that every column got the same number of rows and
/// writes the row group; a batch that is rejected throws before any of it is kept.
/// </summary>
public sealed class RowGroupWriter : IDisposable
{
    private readonly ParquetFileWriter _file;
    private readonly ColumnWriter[] _columns;
    private bool _ended;

    internal RowGroupWriter(ParquetFileWriter file, ColumnWriter[] columns)
    {
        _file = file;
        _columns = columns;
    }

    /// <summary>The file's schema.</summary>
    public ParquetSchema Schema => _file.Schema;

    /// <summary>Rows written so far to the given column in this row group.</summary>
    public long RowsWritten(int column) => _columns[column].ChunkRows;

    /// <summary>
    /// Appends values to a fixed-width column: <c>bool</c> for BOOLEAN, <c>int</c>/<c>uint</c> for INT32,
    /// <c>long</c>/<c>ulong</c> for INT64, <c>float</c>, <c>double</c>, <see cref="Int96"/>.
    /// For an optional column, <paramref name="definitionLevels"/> holds one byte per row (1 = value, 0 = null) and
    /// <paramref name="values"/> only the non-null values; empty levels mean every row has a value.
    /// </summary>
    public void WriteColumn<T>(int column, ReadOnlySpan<T> values, ReadOnlySpan<byte> definitionLevels = default)
        where T : unmanaged => Fixed(column, values, definitionLevels, write: true);

    /// <summary>Validates what <see cref="WriteColumn{T}"/> would take, keeping nothing.</summary>
    internal void CheckColumn<T>(int column, ReadOnlySpan<T> values, ReadOnlySpan<byte> definitionLevels)
        where T : unmanaged => Fixed(column, values, definitionLevels, write: false);

    private void Fixed<T>(int column, ReadOnlySpan<T> values, ReadOnlySpan<byte> definitionLevels, bool write)
        where T : unmanaged
    {
        ColumnWriter writer = Writer(column);
        ColumnDescriptor c = writer.Column;
        switch (c.PhysicalType)
        {
            case PhysicalType.Boolean when typeof(T) == typeof(bool):
                if (write)
                {
                    ((BooleanColumnWriter)writer).Write(MemoryMarshal.Cast<T, bool>(values), definitionLevels);
                }
                else
                {
                    ((BooleanColumnWriter)writer).Check(MemoryMarshal.Cast<T, bool>(values), definitionLevels);
                }

                return;
            case PhysicalType.Int32 when typeof(T) == typeof(int) || typeof(T) == typeof(uint):
                if (write)
                {
                    ((FixedWidthColumnWriter<int>)writer).Write(MemoryMarshal.Cast<T, int>(values), definitionLevels);
                }
                else
                {
                    ((FixedWidthColumnWriter<int>)writer).Check(MemoryMarshal.Cast<T, int>(values), definitionLevels);
                }

                return;
            case PhysicalType.Int64 when typeof(T) == typeof(long) || typeof(T) == typeof(ulong):
                if (write)
                {
                    ((FixedWidthColumnWriter<long>)writer).Write(MemoryMarshal.Cast<T, long>(values), definitionLevels);
                }
                else
                {
                    ((FixedWidthColumnWriter<long>)writer).Check(MemoryMarshal.Cast<T, long>(values), definitionLevels);
                }

                return;
            case PhysicalType.Float when typeof(T) == typeof(float):
                if (write)
                {
                    ((FixedWidthColumnWriter<float>)writer).Write(MemoryMarshal.Cast<T, float>(values), definitionLevels);
                }
                else
                {
                    ((FixedWidthColumnWriter<float>)writer).Check(MemoryMarshal.Cast<T, float>(values), definitionLevels);
                }

                return;
            case PhysicalType.Double when typeof(T) == typeof(double):
                if (write)
                {
                    ((FixedWidthColumnWriter<double>)writer).Write(MemoryMarshal.Cast<T, double>(values), definitionLevels);
                }
                else
                {
                    ((FixedWidthColumnWriter<double>)writer).Check(MemoryMarshal.Cast<T, double>(values), definitionLevels);
                }

                return;
            case PhysicalType.Int96 when typeof(T) == typeof(Int96):
                if (write)
                {
                    ((FixedWidthColumnWriter<Int96>)writer).Write(MemoryMarshal.Cast<T, Int96>(values), definitionLevels);
                }
                else
                {
                    ((FixedWidthColumnWriter<Int96>)writer).Check(MemoryMarshal.Cast<T, Int96>(values), definitionLevels);
                }

                return;
            case PhysicalType.FixedLenByteArray when typeof(T) == typeof(byte):
                FixedLen(column, MemoryMarshal.Cast<T, byte>(values), definitionLevels, write);
                return;
            default:
                throw new InvalidBatchException(c.Name, $"a {ColumnDescriptor.PhysicalTypeName(c.PhysicalType)} column cannot take {typeof(T).Name} values");
        }
    }

    /// <summary>
    /// Appends values laid out one per row (null slots hold anything) with an Arrow-style validity bitmap:
    /// bit i (LSB first) set when row i has a value.
    /// </summary>
    public void WriteColumnSpaced<T>(int column, ReadOnlySpan<T> values, ReadOnlySpan<byte> validity)
        where T : unmanaged
    {
        ColumnDescriptor c = Writer(column).Column;
        int rows = values.Length;
        if (validity.Length < (rows + 7) / 8)
        {
            throw new InvalidBatchException(c.Name, $"a validity bitmap for {rows} rows needs {(rows + 7) / 8} bytes, got {validity.Length}");
        }

        byte[] levels = ArrayPool<byte>.Shared.Rent(Math.Max(rows, 1));
        T[] dense = ArrayPool<T>.Shared.Rent(Math.Max(rows, 1));
        try
        {
            int n = 0;
            for (int i = 0; i < rows; i++)
            {
                byte valid = (byte)((validity[i >> 3] >> (i & 7)) & 1);
                levels[i] = valid;
                if (valid != 0)
                {
                    dense[n++] = values[i];
                }
            }

            WriteColumn<T>(column, dense.AsSpan(0, n), levels.AsSpan(0, rows));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(levels);
            ArrayPool<T>.Shared.Return(dense, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        }
    }

    /// <summary>
    /// Appends BYTE_ARRAY (or FIXED_LEN_BYTE_ARRAY) values: value i is <c>data[offsets[i]..offsets[i + 1]]</c>, so
    /// <paramref name="offsets"/> has one more entry than there are non-null values.
    /// </summary>
    public void WriteByteArrays(int column, ReadOnlySpan<byte> data, ReadOnlySpan<int> offsets, ReadOnlySpan<byte> definitionLevels = default) =>
        ByteArrays(column, data, offsets, definitionLevels, write: true);

    /// <summary>Validates what <see cref="WriteByteArrays"/> would take, keeping nothing.</summary>
    internal void CheckByteArrays(int column, ReadOnlySpan<byte> data, ReadOnlySpan<int> offsets, ReadOnlySpan<byte> definitionLevels) =>
        ByteArrays(column, data, offsets, definitionLevels, write: false);

    private void ByteArrays(int column, ReadOnlySpan<byte> data, ReadOnlySpan<int> offsets, ReadOnlySpan<byte> definitionLevels, bool write)
    {
        ColumnWriter writer = Writer(column);
        if (writer is not ByteArrayColumnWriter byteArrays)
        {
            throw new InvalidBatchException(writer.Column.Name, $"a {ColumnDescriptor.PhysicalTypeName(writer.Column.PhysicalType)} column cannot take byte arrays");
        }

        if (write)
        {
            byteArrays.Write(data, offsets, definitionLevels);
        }
        else
        {
            byteArrays.Check(data, offsets, definitionLevels);
        }
    }

    /// <summary>Appends FIXED_LEN_BYTE_ARRAY values packed back to back (<c>data.Length</c> = values × type length).</summary>
    public void WriteFixedLenByteArrays(int column, ReadOnlySpan<byte> data, ReadOnlySpan<byte> definitionLevels = default) =>
        FixedLen(column, data, definitionLevels, write: true);

    private void FixedLen(int column, ReadOnlySpan<byte> data, ReadOnlySpan<byte> definitionLevels, bool write)
    {
        ColumnWriter writer = Writer(column);
        ColumnDescriptor c = writer.Column;
        if (c.PhysicalType != PhysicalType.FixedLenByteArray)
        {
            throw new InvalidBatchException(c.Name, "only a FIXED_LEN_BYTE_ARRAY column takes packed fixed-length values");
        }

        if (data.Length % c.TypeLength != 0)
        {
            throw new InvalidBatchException(c.Name, $"{data.Length} bytes is not a whole number of {c.TypeLength}-byte values");
        }

        int n = data.Length / c.TypeLength;
        int[] offsets = ArrayPool<int>.Shared.Rent(n + 1);
        try
        {
            for (int i = 0; i <= n; i++)
            {
                offsets[i] = i * c.TypeLength;
            }

            if (write)
            {
                ((ByteArrayColumnWriter)writer).Write(data, offsets.AsSpan(0, n + 1), definitionLevels);
            }
            else
            {
                ((ByteArrayColumnWriter)writer).Check(data, offsets.AsSpan(0, n + 1), definitionLevels);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(offsets);
        }
    }

    /// <summary>
    /// Appends strings as UTF-8 (null = a null row). A FIXED_LEN_BYTE_ARRAY column pads shorter values with
    /// zero bytes and rejects longer ones.
    /// </summary>
    public void WriteStrings(int column, ReadOnlySpan<string?> values) => Strings(column, values, write: true);

    /// <summary>Validates what <see cref="WriteStrings"/> would take, keeping nothing.</summary>
    internal void CheckStrings(int column, ReadOnlySpan<string?> values) => Strings(column, values, write: false);

    private void Strings(int column, ReadOnlySpan<string?> values, bool write)
    {
        ColumnWriter writer = Writer(column);
        ColumnDescriptor c = writer.Column;
        if (writer is not ByteArrayColumnWriter byteArrays)
        {
            throw new InvalidBatchException(c.Name, $"a {ColumnDescriptor.PhysicalTypeName(c.PhysicalType)} column cannot take strings");
        }

        bool isFixed = c.PhysicalType == PhysicalType.FixedLenByteArray;
        int total = 0;
        int nulls = 0;
        for (int i = 0; i < values.Length; i++)
        {
            string? s = values[i];
            if (s is null)
            {
                if (!c.IsNullable)
                {
                    throw new InvalidBatchException(c.Name, $"null at row {i}, but the column is required");
                }

                nulls++;
                continue;
            }

            int length = Encoding.UTF8.GetByteCount(s);
            if (isFixed && length > c.TypeLength)
            {
                throw new InvalidBatchException(c.Name, $"value at row {i} is {length} UTF-8 bytes; the column holds {c.TypeLength}");
            }

            total += isFixed ? c.TypeLength : length;
        }

        if (!write)
        {
            return;
        }

        byte[] data = ArrayPool<byte>.Shared.Rent(Math.Max(total, 1));
        int[] offsets = ArrayPool<int>.Shared.Rent(values.Length - nulls + 1);
        byte[] levels = ArrayPool<byte>.Shared.Rent(Math.Max(values.Length, 1));
        try
        {
            int position = 0;
            int n = 0;
            for (int i = 0; i < values.Length; i++)
            {
                string? s = values[i];
                levels[i] = s is null ? (byte)0 : (byte)1;
                if (s is null)
                {
                    continue;
                }

                offsets[n++] = position;
                int written = Encoding.UTF8.GetBytes(s, data.AsSpan(position));
                if (isFixed)
                {
                    data.AsSpan(position + written, c.TypeLength - written).Clear();
                    written = c.TypeLength;
                }

                position += written;
            }

            offsets[n] = position;
            byteArrays.Write(data.AsSpan(0, position), offsets.AsSpan(0, n + 1), c.IsNullable ? levels.AsSpan(0, values.Length) : default);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
            ArrayPool<int>.Shared.Return(offsets);
            ArrayPool<byte>.Shared.Return(levels);
        }
    }

    /// <summary>Writes the row group to the file. Throws when columns got different row counts (nothing is written then).</summary>
    public void End()
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        _file.CompleteRowGroup(_columns);
    }

    /// <summary>Same as <see cref="End"/>.</summary>
    public void Dispose() => End();

    private ColumnWriter Writer(int column)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        if ((uint)column >= (uint)_columns.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(column), column, $"the schema has {_columns.Length} columns");
        }

        return _columns[column];
    }
}
