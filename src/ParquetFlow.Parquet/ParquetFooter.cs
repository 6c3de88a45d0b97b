using System.Buffers.Binary;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.Schema;
using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet;

/// <summary>
/// Reads a Parquet file's footer (and, on request, its page index and page headers) without reading data.
/// Used by <c>pqflow inspect</c>, crash recovery and tests. Whatever the bytes, a file that cannot be described throws
/// <see cref="ParquetFormatException"/> naming what is wrong (or <see cref="IOException"/> when reading fails), never
/// another exception: every count and length read from the file is bounded by the bytes that hold it, and a footer that
/// parses is checked to form one schema tree whose leaves every row group has a chunk for.
/// </summary>
public sealed class ParquetFooter
{
    /// <summary>The largest page header <see cref="ReadPageHeaders"/> reads (Arrow C++'s default limit too).</summary>
    public const int MaxPageHeaderLength = 16 * 1024 * 1024;

    private const int TailLength = 8;
    private const int FirstPageHeaderRead = 4096;

    private static ReadOnlySpan<byte> EncryptedMagic => "PARE"u8;

    private ParquetFooter(FileMetaData metadata, SchemaTree tree, long fileLength, int metadataLength)
    {
        Metadata = metadata;
        SchemaTree = tree;
        FileLength = fileLength;
        MetadataLength = metadataLength;
    }

    /// <summary>The parsed footer.</summary>
    public FileMetaData Metadata { get; }

    /// <summary>Total file size in bytes.</summary>
    public long FileLength { get; }

    /// <summary>Size of the serialized footer.</summary>
    public int MetadataLength { get; }

    /// <summary>The schema tree the footer describes (nested groups included), checked when the footer was read.</summary>
    public SchemaTree SchemaTree { get; }

    /// <summary>
    /// The flat schema the footer describes, as the writer models it; throws <see cref="SchemaException"/> for a nested
    /// schema (use <see cref="SchemaTree"/> to describe any file).
    /// </summary>
    public ParquetSchema Schema => ParquetSchema.FromSchemaElements(Metadata.Schema);

    /// <summary>Reads the footer of the file at <paramref name="path"/>.</summary>
    public static ParquetFooter Read(string path)
    {
        if (Directory.Exists(path))
        {
            throw new ParquetFormatException("is a directory, not a Parquet file", 0);
        }

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
        Span<byte> tail = stackalloc byte[TailLength];
        ReadExactly(stream, length - TailLength, tail);
        if (head.SequenceEqual(EncryptedMagic) || tail[4..].SequenceEqual(EncryptedMagic))
        {
            throw new ParquetFormatException("the file is encrypted (Parquet modular encryption, magic PARE): its footer cannot be read without the key", head.SequenceEqual(EncryptedMagic) ? 0 : length - 4);
        }

        if (!head.SequenceEqual(ParquetFileWriter.Magic))
        {
            throw new ParquetFormatException("not a Parquet file: it does not start with PAR1", 0);
        }

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
        long footerStart = length - TailLength - metadataLength;
        ReadExactly(stream, footerStart, footer);
        FileMetaData metadata;
        try
        {
            metadata = FileMetaData.Read(footer);
        }
        catch (ParquetFormatException e)
        {
            throw new ParquetFormatException($"corrupt footer: {e.Message}", footerStart + Math.Max(e.Offset, 0));
        }

        SchemaTree tree;
        try
        {
            tree = SchemaTree.FromSchemaElements(metadata.Schema);
        }
        catch (ParquetFormatException e)
        {
            throw new ParquetFormatException($"corrupt footer: {e.Message}", footerStart);
        }

        Check(metadata, tree, footerStart);
        return new ParquetFooter(metadata, tree, length, metadataLength);
    }

    /// <summary>The footer's own consistency, which every reader of it relies on: counts and sizes that cannot be negative, a chunk per leaf.</summary>
    private static void Check(FileMetaData metadata, SchemaTree tree, long footerStart)
    {
        if (metadata.NumRows < 0)
        {
            throw new ParquetFormatException($"corrupt footer: num_rows is {metadata.NumRows}", footerStart);
        }

        for (int g = 0; g < metadata.RowGroups.Count; g++)
        {
            RowGroup group = metadata.RowGroups[g];
            if (group.NumRows < 0)
            {
                throw new ParquetFormatException($"corrupt footer: row group {g} has {group.NumRows} rows", footerStart);
            }

            if (group.Columns.Count != tree.Leaves.Count)
            {
                throw new ParquetFormatException($"corrupt footer: row group {g} has {group.Columns.Count} column chunks for the schema's {tree.Leaves.Count} leaf columns", footerStart);
            }

            for (int c = 0; c < group.Columns.Count; c++)
            {
                ColumnMetaData m = group.Columns[c].MetaData;
                string? negative = m.NumValues < 0 ? "num_values"
                    : m.TotalCompressedSize < 0 ? "total_compressed_size"
                    : m.TotalUncompressedSize < 0 ? "total_uncompressed_size"
                    : m.DataPageOffset < 0 ? "data_page_offset"
                    : null;
                if (negative is not null)
                {
                    throw new ParquetFormatException($"corrupt footer: column '{tree.Leaves[c].DottedPath}' of row group {g} has a negative {negative}", footerStart);
                }
            }
        }
    }

    /// <summary>Reads a chunk's column index, or null when the file has none for it.</summary>
    public static ColumnIndex? ReadColumnIndex(Stream stream, ColumnChunk chunk)
    {
        if (chunk.ColumnIndexOffset is not long offset || chunk.ColumnIndexLength is not int length)
        {
            return null;
        }

        byte[] bytes = ReadRange(stream, offset, length);
        var r = new ThriftCompactReader(bytes, stackalloc short[ThriftCompactReader.MaxDepth]);
        try
        {
            return ColumnIndex.Read(ref r);
        }
        catch (ParquetFormatException e)
        {
            throw new ParquetFormatException($"corrupt column index: {e.Message}", offset + Math.Max(e.Offset, 0));
        }
    }

    /// <summary>Reads a chunk's offset index, or null when the file has none for it.</summary>
    public static OffsetIndex? ReadOffsetIndex(Stream stream, ColumnChunk chunk)
    {
        if (chunk.OffsetIndexOffset is not long offset || chunk.OffsetIndexLength is not int length)
        {
            return null;
        }

        byte[] bytes = ReadRange(stream, offset, length);
        var r = new ThriftCompactReader(bytes, stackalloc short[ThriftCompactReader.MaxDepth]);
        try
        {
            return OffsetIndex.Read(ref r);
        }
        catch (ParquetFormatException e)
        {
            throw new ParquetFormatException($"corrupt offset index: {e.Message}", offset + Math.Max(e.Offset, 0));
        }
    }

    /// <summary>
    /// Walks a column chunk's pages and returns each page header with its file offset. Throws
    /// <see cref="ParquetFormatException"/> when the chunk lies outside the file, a header is malformed or longer than
    /// <see cref="MaxPageHeaderLength"/>, or a page runs past the end of the file.
    /// </summary>
    public static IReadOnlyList<(long Offset, PageHeader Header)> ReadPageHeaders(Stream stream, ColumnChunk chunk)
    {
        List<(long Offset, PageHeader Header, int HeaderLength)> pages = WalkPages(stream, chunk);
        var result = new List<(long, PageHeader)>(pages.Count);
        foreach ((long offset, PageHeader header, _) in pages)
        {
            result.Add((offset, header));
        }

        return result;
    }

    /// <summary>
    /// Walks a column chunk's pages like <see cref="ReadPageHeaders"/> and checks each page's bytes against the
    /// CRC-32 in its header (<see cref="PageChecksum"/>): a page with a <see cref="PageChecksumStatus.Mismatch"/> is
    /// damaged. Throws <see cref="ParquetFormatException"/> for the same reasons as <see cref="ReadPageHeaders"/>.
    /// </summary>
    public static IReadOnlyList<(long Offset, PageHeader Header, PageChecksumStatus Checksum)> CheckPages(Stream stream, ColumnChunk chunk)
    {
        List<(long Offset, PageHeader Header, int HeaderLength)> pages = WalkPages(stream, chunk);
        var result = new List<(long, PageHeader, PageChecksumStatus)>(pages.Count);
        byte[] body = [];
        foreach ((long offset, PageHeader header, int headerLength) in pages)
        {
            PageChecksumStatus status = PageChecksumStatus.Absent;
            if (header.Crc is not null)
            {
                // The walk bounded the page by the file, so its size is what remains at most.
                if (body.Length < header.CompressedPageSize)
                {
                    body = new byte[header.CompressedPageSize];
                }

                ReadExactly(stream, offset + headerLength, body.AsSpan(0, header.CompressedPageSize));
                status = PageChecksum.Verify(header, body.AsSpan(0, header.CompressedPageSize));
            }

            result.Add((offset, header, status));
        }

        return result;
    }

    private static List<(long Offset, PageHeader Header, int HeaderLength)> WalkPages(Stream stream, ColumnChunk chunk)
    {
        ColumnMetaData meta = chunk.MetaData;
        long fileLength = stream.Length;
        long start = meta.DictionaryPageOffset is long d && d > 0 && d < meta.DataPageOffset ? d : meta.DataPageOffset;
        if (start < 4 || start >= fileLength || meta.TotalCompressedSize < 0 || meta.TotalCompressedSize > fileLength - start)
        {
            throw new ParquetFormatException($"column chunk '{string.Join('.', meta.PathInSchema)}' at {start}+{meta.TotalCompressedSize} lies outside the {fileLength}-byte file", Math.Max(start, 0));
        }

        long end = start + meta.TotalCompressedSize;
        var pages = new List<(long, PageHeader, int)>();
        long position = start;
        // Most headers fit in 4 KiB; one with the statistics of long strings may not: the buffer grows to the bound.
        byte[] buffer = new byte[(int)Math.Min(FirstPageHeaderRead, fileLength - start)];
        while (position < end)
        {
            long left = fileLength - position;
            PageHeader header;
            int headerLength;
            while (true)
            {
                int available = (int)Math.Min(buffer.Length, left);
                ReadExactly(stream, position, buffer.AsSpan(0, available));
                try
                {
                    (header, headerLength) = ReadPageHeader(buffer.AsSpan(0, available), position);
                    break;
                }
                catch (ParquetFormatException e) when (e.RanOutOfData && available == buffer.Length && available < left && buffer.Length < MaxPageHeaderLength)
                {
                    // Perhaps only cut short by the buffer: read more and parse again.
                    buffer = new byte[(int)Math.Min(Math.Min((long)buffer.Length * 4, MaxPageHeaderLength), left)];
                }
            }

            long next = position + headerLength + header.CompressedPageSize;
            if (next > fileLength)
            {
                throw new ParquetFormatException($"page at {position} ({headerLength}-byte header, {header.CompressedPageSize} bytes) runs past the end of the {fileLength}-byte file", position);
            }

            pages.Add((position, header, headerLength));
            position = next;
        }

        return pages;
    }

    /// <summary>Parses one page header at the start of <paramref name="data"/>; returns it and its length.</summary>
    public static (PageHeader Header, int Length) ReadPageHeader(ReadOnlySpan<byte> data, long fileOffset = 0)
    {
        PageHeader header;
        int length;
        try
        {
            var r = new ThriftCompactReader(data, stackalloc short[ThriftCompactReader.MaxDepth]);
            header = PageHeader.Read(ref r);
            length = r.Position;
        }
        catch (ParquetFormatException e) when (e.Offset >= 0 && fileOffset > 0)
        {
            throw new ParquetFormatException($"corrupt page header: {e.Message}", fileOffset + e.Offset) { RanOutOfData = e.RanOutOfData };
        }

        if (header.CompressedPageSize < 0 || header.UncompressedPageSize < 0)
        {
            throw new ParquetFormatException($"corrupt page header: negative page size ({header.CompressedPageSize} compressed, {header.UncompressedPageSize} uncompressed)", fileOffset);
        }

        return (header, length);
    }

    private static byte[] ReadRange(Stream stream, long offset, int length)
    {
        if (offset < 0 || length < 0 || offset > stream.Length || length > stream.Length - offset)
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
