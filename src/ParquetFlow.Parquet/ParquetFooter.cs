using System.Buffers.Binary;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.Schema;
using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet;

/// <summary>
/// Reads a Parquet file's footer (and, on request, its page index and page headers) without reading data.
/// Used by <c>pqflow inspect</c>, crash recovery and tests. Malformed files throw <see cref="ParquetFormatException"/>
/// naming what is wrong.
/// </summary>
public sealed class ParquetFooter
{
    private const int TailLength = 8;

    private ParquetFooter(FileMetaData metadata, long fileLength, int metadataLength)
    {
        Metadata = metadata;
        FileLength = fileLength;
        MetadataLength = metadataLength;
    }

    /// <summary>The parsed footer.</summary>
    public FileMetaData Metadata { get; }

    /// <summary>Total file size in bytes.</summary>
    public long FileLength { get; }

    /// <summary>Size of the serialized footer.</summary>
    public int MetadataLength { get; }

    /// <summary>The flat schema the footer describes.</summary>
    public ParquetSchema Schema => ParquetSchema.FromSchemaElements(Metadata.Schema);

    /// <summary>Reads the footer of the file at <paramref name="path"/>.</summary>
    public static ParquetFooter Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
        return Read(stream);
    }

    /// <summary>Reads the footer of a seekable stream holding a Parquet file.</summary>
    public static ParquetFooter Read(Stream stream)
    {
        long length = stream.Length;
        if (length < 4 + TailLength)
        {
            throw new ParquetFormatException($"not a Parquet file: {length} bytes is shorter than the 12 bytes of magic and footer length", 0);
        }

        Span<byte> head = stackalloc byte[4];
        ReadExactly(stream, 0, head);
        if (!head.SequenceEqual(ParquetFileWriter.Magic))
        {
            throw new ParquetFormatException("not a Parquet file: it does not start with PAR1", 0);
        }

        Span<byte> tail = stackalloc byte[TailLength];
        ReadExactly(stream, length - TailLength, tail);
        if (!tail[4..].SequenceEqual(ParquetFileWriter.Magic))
        {
            throw new ParquetFormatException("no footer: the file does not end with PAR1 (cut off while being written? try `pqflow recover`)", length - 4);
        }

        int metadataLength = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (metadataLength <= 0 || metadataLength > length - 4 - TailLength)
        {
            throw new ParquetFormatException($"footer length {metadataLength} does not fit in a {length}-byte file", length - TailLength);
        }

        byte[] footer = new byte[metadataLength];
        ReadExactly(stream, length - TailLength - metadataLength, footer);
        FileMetaData metadata;
        try
        {
            metadata = FileMetaData.Read(footer);
        }
        catch (ParquetFormatException e)
        {
            throw new ParquetFormatException($"corrupt footer: {e.Message}", length - TailLength - metadataLength + Math.Max(e.Offset, 0));
        }

        return new ParquetFooter(metadata, length, metadataLength);
    }

    /// <summary>Reads a chunk's column index, or null when the file has none for it.</summary>
    public static ColumnIndex? ReadColumnIndex(Stream stream, ColumnChunk chunk)
    {
        if (chunk.ColumnIndexOffset is not long offset || chunk.ColumnIndexLength is not int length)
        {
            return null;
        }

        byte[] bytes = ReadRange(stream, offset, length);
        var r = new ThriftCompactReader(bytes, stackalloc short[64]);
        return ColumnIndex.Read(ref r);
    }

    /// <summary>Reads a chunk's offset index, or null when the file has none for it.</summary>
    public static OffsetIndex? ReadOffsetIndex(Stream stream, ColumnChunk chunk)
    {
        if (chunk.OffsetIndexOffset is not long offset || chunk.OffsetIndexLength is not int length)
        {
            return null;
        }

        byte[] bytes = ReadRange(stream, offset, length);
        var r = new ThriftCompactReader(bytes, stackalloc short[64]);
        return OffsetIndex.Read(ref r);
    }

    /// <summary>Walks a column chunk's pages and returns each page header with its file offset.</summary>
    public static IReadOnlyList<(long Offset, PageHeader Header)> ReadPageHeaders(Stream stream, ColumnChunk chunk)
    {
        ColumnMetaData meta = chunk.MetaData;
        long start = meta.DictionaryPageOffset is long d && d > 0 && d < meta.DataPageOffset ? d : meta.DataPageOffset;
        long end = start + meta.TotalCompressedSize;
        var pages = new List<(long, PageHeader)>();
        long position = start;
        byte[] buffer = new byte[4096];
        while (position < end)
        {
            int available = (int)Math.Min(buffer.Length, stream.Length - position);
            ReadExactly(stream, position, buffer.AsSpan(0, available));
            (PageHeader header, int headerLength) = ReadPageHeader(buffer.AsSpan(0, available), position);
            pages.Add((position, header));
            position += headerLength + header.CompressedPageSize;
        }

        return pages;
    }

    /// <summary>Parses one page header at the start of <paramref name="data"/>; returns it and its length.</summary>
    public static (PageHeader Header, int Length) ReadPageHeader(ReadOnlySpan<byte> data, long fileOffset = 0)
    {
        try
        {
            var r = new ThriftCompactReader(data, stackalloc short[64]);
            PageHeader header = PageHeader.Read(ref r);
            if (header.CompressedPageSize < 0 || header.UncompressedPageSize < 0)
            {
                throw new ParquetFormatException("negative page size", fileOffset);
            }

            return (header, r.Position);
        }
        catch (ParquetFormatException e) when (e.Offset >= 0 && fileOffset > 0)
        {
            throw new ParquetFormatException($"corrupt page header: {e.Message}", fileOffset + e.Offset);
        }
    }

    private static byte[] ReadRange(Stream stream, long offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > stream.Length)
        {
            throw new ParquetFormatException($"range {offset}+{length} lies outside the {stream.Length}-byte file", offset);
        }

        byte[] bytes = new byte[length];
        ReadExactly(stream, offset, bytes);
        return bytes;
    }

    private static void ReadExactly(Stream stream, long offset, Span<byte> destination)
    {
        stream.Seek(offset, SeekOrigin.Begin);
        stream.ReadExactly(destination);
    }
}
