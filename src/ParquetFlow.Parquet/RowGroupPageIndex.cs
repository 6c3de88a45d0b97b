using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.IO;
using ParquetFlow.Parquet.Thrift;
using ParquetFlow.Parquet.Writing;

namespace ParquetFlow.Parquet;

/// <summary>
/// The page index of one row group as a file stores it: per column chunk, its <see cref="ColumnIndex"/> and
/// <see cref="OffsetIndex"/> serialized (Thrift compact), null where the chunk has none. <see cref="Write"/> is the one
/// place that lays a file's page index out; <see cref="ParquetFileWriter"/> and crash recovery both write through it.
/// Immutable.
/// </summary>
public sealed class RowGroupPageIndex
{
    private readonly byte[]?[] _columnIndexes;
    private readonly byte[]?[] _offsetIndexes;

    /// <summary>Takes one entry per column chunk, in schema order, in each list (null: the chunk has none).</summary>
    public RowGroupPageIndex(IReadOnlyList<byte[]?> columnIndexes, IReadOnlyList<byte[]?> offsetIndexes)
    {
        ArgumentNullException.ThrowIfNull(columnIndexes);
        ArgumentNullException.ThrowIfNull(offsetIndexes);
        if (columnIndexes.Count != offsetIndexes.Count)
        {
            throw new ArgumentException($"{columnIndexes.Count} column indexes but {offsetIndexes.Count} offset indexes; both need one entry per column chunk", nameof(offsetIndexes));
        }

        _columnIndexes = [.. columnIndexes];
        _offsetIndexes = [.. offsetIndexes];
    }

    /// <summary>Each column chunk's serialized <see cref="ColumnIndex"/>, or null.</summary>
    public IReadOnlyList<byte[]?> ColumnIndexes => _columnIndexes;

    /// <summary>Each column chunk's serialized <see cref="OffsetIndex"/>, or null.</summary>
    public IReadOnlyList<byte[]?> OffsetIndexes => _offsetIndexes;

    /// <summary>No page index for any of a row group's <paramref name="columns"/> chunks.</summary>
    public static RowGroupPageIndex None(int columns) => new(new byte[]?[columns], new byte[]?[columns]);

    internal static RowGroupPageIndex Serialize(ColumnChunkResult[] chunks, ByteBuffer scratch)
    {
        byte[]?[] columnIndexes = new byte[]?[chunks.Length];
        byte[]?[] offsetIndexes = new byte[]?[chunks.Length];
        for (int i = 0; i < chunks.Length; i++)
        {
            columnIndexes[i] = chunks[i].ColumnIndex is { } columnIndex ? ThriftCompactWriter.Serialize(columnIndex.Write, scratch) : null;
            offsetIndexes[i] = chunks[i].OffsetIndex is { } offsetIndex ? ThriftCompactWriter.Serialize(offsetIndex.Write, scratch) : null;
        }

        return new RowGroupPageIndex(columnIndexes, offsetIndexes);
    }

    /// <summary>
    /// Writes the page index of <paramref name="groups"/> (whose page indexes are <paramref name="indexes"/>, in the same
    /// order) to <paramref name="output"/>, whose next byte lands at file offset <paramref name="position"/>: the column
    /// indexes of every chunk, then the offset indexes, as Arrow and parquet-mr lay them out. Points each chunk's
    /// column_index and offset_index offset and length at its entry (or at none). Returns the bytes written.
    /// </summary>
    public static long Write(Stream output, long position, IReadOnlyList<RowGroup> groups, IReadOnlyList<RowGroupPageIndex> indexes)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(indexes);
        if (groups.Count != indexes.Count)
        {
            throw new ArgumentException($"{groups.Count} row groups but {indexes.Count} page indexes", nameof(indexes));
        }

        for (int g = 0; g < groups.Count; g++)
        {
            if (groups[g].Columns.Count != indexes[g]._columnIndexes.Length)
            {
                throw new ArgumentException($"row group {g} has {groups[g].Columns.Count} column chunks but its page index {indexes[g]._columnIndexes.Length}", nameof(indexes));
            }
        }

        long written = 0;
        for (int g = 0; g < groups.Count; g++)
        {
            List<ColumnChunk> chunks = groups[g].Columns;
            for (int c = 0; c < chunks.Count; c++)
            {
                (chunks[c].ColumnIndexOffset, chunks[c].ColumnIndexLength) = WriteEntry(output, position, ref written, indexes[g]._columnIndexes[c]);
            }
        }

        for (int g = 0; g < groups.Count; g++)
        {
            List<ColumnChunk> chunks = groups[g].Columns;
            for (int c = 0; c < chunks.Count; c++)
            {
                (chunks[c].OffsetIndexOffset, chunks[c].OffsetIndexLength) = WriteEntry(output, position, ref written, indexes[g]._offsetIndexes[c]);
            }
        }

        return written;
    }

    private static (long? Offset, int? Length) WriteEntry(Stream output, long position, ref long written, byte[]? entry)
    {
        if (entry is null)
        {
            return (null, null);
        }

        long offset = position + written;
        output.Write(entry);
        written += entry.Length;
        return (offset, entry.Length);
    }
}
