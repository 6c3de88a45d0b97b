using System.Buffers;
using System.Runtime.InteropServices;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Parquet;

/// <summary>
/// A batch of one column's rows for <see cref="ParquetFileWriter.Write(IReadOnlyList{ColumnData})"/>, which may
/// cut it across row groups. Holds memory, not copies: keep the arrays unchanged until the call returns.
/// </summary>
public abstract class ColumnData
{
    private protected ColumnData(ReadOnlyMemory<byte> definitionLevels, int rows)
    {
        DefinitionLevels = definitionLevels;
        Rows = rows;
    }

    /// <summary>One byte per row (1 = value, 0 = null), or empty when every row has a value.</summary>
    public ReadOnlyMemory<byte> DefinitionLevels { get; }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Fixed-width values (<c>bool</c>, <c>int</c>, <c>uint</c>, <c>long</c>, <c>ulong</c>, <c>float</c>, <c>double</c>, <see cref="Int96"/>): non-null values only, plus levels for an optional column.</summary>
    public static ColumnData From<T>(ReadOnlyMemory<T> values, ReadOnlyMemory<byte> definitionLevels = default)
        where T : unmanaged => new Fixed<T>(values, definitionLevels);

    /// <summary>Byte arrays: value i is <c>data[offsets[i]..offsets[i + 1]]</c> (non-null values only).</summary>
    public static ColumnData FromByteArrays(ReadOnlyMemory<byte> data, ReadOnlyMemory<int> offsets, ReadOnlyMemory<byte> definitionLevels = default) =>
        new ByteArrays(data, offsets, definitionLevels);

    /// <summary>Strings (null = a null row), written as UTF-8.</summary>
    public static ColumnData FromStrings(ReadOnlyMemory<string?> values) => new Strings(values);

    /// <summary>Validates every row against the column without writing anything (throws <see cref="InvalidBatchException"/>).</summary>
    internal abstract void Check(RowGroupWriter writer, int column);

    /// <summary>Writes rows [<paramref name="row"/>, <paramref name="row"/> + <paramref name="count"/>) starting at value <paramref name="value"/>; returns the values consumed.</summary>
    internal abstract int WriteSlice(RowGroupWriter writer, int column, int row, int count, int value);

    private protected int ValuesIn(int row, int count) =>
        DefinitionLevels.IsEmpty ? count : DefinitionLevels.Span.Slice(row, count).Count((byte)1);

    private sealed class Fixed<T>(ReadOnlyMemory<T> values, ReadOnlyMemory<byte> levels)
        : ColumnData(levels, levels.IsEmpty ? values.Length : levels.Length)
        where T : unmanaged
    {
        internal override void Check(RowGroupWriter writer, int column) => writer.CheckColumn(column, values.Span, DefinitionLevels.Span);

        internal override int WriteSlice(RowGroupWriter writer, int column, int row, int count, int value)
        {
            int n = ValuesIn(row, count);
            if (value + n > values.Length)
            {
                throw new InvalidBatchException(writer.Schema[column].Name, $"{values.Length} values for more non-null rows than that");
            }

            writer.WriteColumn(column, values.Span.Slice(value, n), DefinitionLevels.IsEmpty ? default : DefinitionLevels.Span.Slice(row, count));
            return n;
        }
    }

    private sealed class ByteArrays(ReadOnlyMemory<byte> data, ReadOnlyMemory<int> offsets, ReadOnlyMemory<byte> levels)
        : ColumnData(levels, levels.IsEmpty ? Math.Max(offsets.Length - 1, 0) : levels.Length)
    {
        internal override void Check(RowGroupWriter writer, int column) => writer.CheckByteArrays(column, data.Span, offsets.Span, DefinitionLevels.Span);

        internal override int WriteSlice(RowGroupWriter writer, int column, int row, int count, int value)
        {
            int n = ValuesIn(row, count);
            if (value + n + 1 > offsets.Length)
            {
                throw new InvalidBatchException(writer.Schema[column].Name, $"{offsets.Length} offsets for more non-null rows than that");
            }

            writer.WriteByteArrays(column, data.Span, offsets.Span.Slice(value, n + 1), DefinitionLevels.IsEmpty ? default : DefinitionLevels.Span.Slice(row, count));
            return n;
        }
    }

    private sealed class Strings(ReadOnlyMemory<string?> values) : ColumnData(default, values.Length)
    {
        internal override void Check(RowGroupWriter writer, int column) => writer.CheckStrings(column, values.Span);

        internal override int WriteSlice(RowGroupWriter writer, int column, int row, int count, int value)
        {
            writer.WriteStrings(column, values.Span.Slice(row, count));
            return count;
        }
    }
}
