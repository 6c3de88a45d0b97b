using System.Buffers.Binary;
using System.Diagnostics;
using ParquetFlow.Durability;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.IO;

namespace ParquetFlow.Sink;

/// <summary>
/// The sidecar of a file in progress (<c>FILE.journal</c>, docs/formats.md "Row-group journal"): a header with the
/// footer template and codec, then one entry per durable row group (offset, length, rows, and its footer entry with
/// statistics plus its page index), each with a CRC-32C. An entry is appended only after the row group's bytes are
/// fsynced, and is fsynced itself, so every entry names a row group that is on disk. Recovery trusts entries up to the
/// first torn or corrupt one. Writes version 2; reads version 1 (fixed 32-byte entries without metadata) too.
/// </summary>
internal sealed class RowGroupJournal : IDisposable
{
    /// <summary>Bytes of a version-1 entry.</summary>
    public const int Version1EntrySize = 32;

    /// <summary>Bytes of a version-2 entry before its metadata: offset, length, rows, ordinal, metadata length.</summary>
    public const int EntryFixedSize = 32;

    private const int FixedHeaderSize = 12;
    private const ushort CurrentVersion = 2;
    private static ReadOnlySpan<byte> Magic => "PQFJ"u8;

    private readonly StorageFile _file;
    private readonly ByteBuffer _entry = new(1 << 12);
    private long _length;
    private int _ordinal;

    private RowGroupJournal(StorageFile file, long length)
    {
        _file = file;
        _length = length;
    }

    /// <summary>Creates the journal with its header and fsyncs it (before the data file exists, so no data file is ever without one).</summary>
    public static RowGroupJournal Create(string path, CompressionCodec codec, ReadOnlySpan<byte> footerTemplate, Storage storage)
    {
        StorageFile file = storage.Open(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        try
        {
            byte[] header = new byte[FixedHeaderSize + footerTemplate.Length + 4];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), CurrentVersion);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), (ushort)codec);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), footerTemplate.Length);
            footerTemplate.CopyTo(header.AsSpan(FixedHeaderSize));
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(header.Length - 4), Crc(header.AsSpan(0, header.Length - 4)));
            file.Write(0, header);
            file.Sync();
            return new RowGroupJournal(file, header.Length);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends and fsyncs the entry of a row group whose bytes are already fsynced: where it lies, its rows, its footer
    /// entry <paramref name="metadata"/> and its <paramref name="pageIndex"/>, in one write.
    /// </summary>
    public void Append(long offset, long length, long rows, RowGroup metadata, RowGroupPageIndex pageIndex)
    {
        Debug.Assert(pageIndex.ColumnIndexes.Count == metadata.Columns.Count);
        _entry.Clear();
        Span<byte> e = _entry.GetSpan(EntryFixedSize);
        BinaryPrimitives.WriteInt64LittleEndian(e, offset);
        BinaryPrimitives.WriteInt64LittleEndian(e[8..], length);
        BinaryPrimitives.WriteInt64LittleEndian(e[16..], rows);
        BinaryPrimitives.WriteInt32LittleEndian(e[24..], _ordinal++);
        _entry.Advance(EntryFixedSize);
        AppendBlock(metadata.Serialize());
        for (int c = 0; c < metadata.Columns.Count; c++)
        {
            AppendBlock(pageIndex.ColumnIndexes[c]);
            AppendBlock(pageIndex.OffsetIndexes[c]);
        }

        _entry.PatchInt32(28, _entry.Length - EntryFixedSize);
        uint crc = Crc(_entry.WrittenSpan);
        BinaryPrimitives.WriteUInt32LittleEndian(_entry.GetSpan(4), crc);
        _entry.Advance(4);
        // At its own offset, so a failed write or fsync leaves no partial entry ahead of a later one: a retry (or the
        // next entry) overwrites it, and recovery stops at the first entry whose CRC does not match.
        _file.Write(_length, _entry.WrittenSpan);
        _file.Sync();
        _length += _entry.Length;
    }

    public void Dispose()
    {
        _file.Dispose();
        _entry.Dispose();
    }

    /// <summary>Reads a journal; null when it is missing or its header is torn (then no row group was ever durable).</summary>
    public static Contents? Read(string path, Storage storage)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        byte[] data = storage.ReadAllBytes(path);
        if (data.Length < FixedHeaderSize + 4 || !data.AsSpan(0, 4).SequenceEqual(Magic))
        {
            return null;
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(4));
        var codec = (CompressionCodec)BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(6));
        int templateLength = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(8));
        if (version is not (1 or CurrentVersion) || templateLength <= 0 || templateLength > data.Length - FixedHeaderSize - 4)
        {
            return null;
        }

        int headerEnd = FixedHeaderSize + templateLength + 4;
        if (BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(headerEnd - 4)) != Crc(data.AsSpan(0, headerEnd - 4)))
        {
            return null;
        }

        List<Entry> entries = version == 1 ? ReadVersion1Entries(data.AsSpan(headerEnd)) : ReadEntries(data.AsSpan(headerEnd));
        return new Contents(codec, data.AsSpan(FixedHeaderSize, templateLength).ToArray(), entries);
    }

    private static List<Entry> ReadVersion1Entries(ReadOnlySpan<byte> data)
    {
        var entries = new List<Entry>();
        for (int at = 0; at + Version1EntrySize <= data.Length; at += Version1EntrySize)
        {
            ReadOnlySpan<byte> e = data.Slice(at, Version1EntrySize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(e[28..]) != Crc(e[..28]) || BinaryPrimitives.ReadInt32LittleEndian(e[24..]) != entries.Count)
            {
                break;
            }

            entries.Add(new Entry(BinaryPrimitives.ReadInt64LittleEndian(e), BinaryPrimitives.ReadInt64LittleEndian(e[8..]), BinaryPrimitives.ReadInt64LittleEndian(e[16..]), null, null));
        }

        return entries;
    }

    private static List<Entry> ReadEntries(ReadOnlySpan<byte> data)
    {
        var entries = new List<Entry>();
        while (data.Length >= EntryFixedSize + 4)
        {
            int metadataLength = BinaryPrimitives.ReadInt32LittleEndian(data[28..]);
            if (metadataLength < 0 || metadataLength > data.Length - EntryFixedSize - 4)
            {
                break;
            }

            int crcAt = EntryFixedSize + metadataLength;
            if (BinaryPrimitives.ReadUInt32LittleEndian(data[crcAt..]) != Crc(data[..crcAt])
                || BinaryPrimitives.ReadInt32LittleEndian(data[24..]) != entries.Count
                || !TryReadMetadata(data.Slice(EntryFixedSize, metadataLength), out RowGroup? metadata, out RowGroupPageIndex? pageIndex))
            {
                break;
            }

            entries.Add(new Entry(BinaryPrimitives.ReadInt64LittleEndian(data), BinaryPrimitives.ReadInt64LittleEndian(data[8..]), BinaryPrimitives.ReadInt64LittleEndian(data[16..]), metadata, pageIndex));
            data = data[(crcAt + 4)..];
        }

        return entries;
    }

    /// <summary>Parses an entry's metadata: the row group block, then a column-index and an offset-index block per chunk.</summary>
    private static bool TryReadMetadata(ReadOnlySpan<byte> data, out RowGroup? metadata, out RowGroupPageIndex? pageIndex)
    {
        metadata = null;
        pageIndex = null;
        if (!TryReadBlock(ref data, out byte[]? rowGroup) || rowGroup is null)
        {
            return false;
        }

        try
        {
            metadata = RowGroup.Read(rowGroup);
        }
        catch (ParquetFormatException)
        {
            return false;
        }

        byte[]?[] columnIndexes = new byte[]?[metadata.Columns.Count];
        byte[]?[] offsetIndexes = new byte[]?[metadata.Columns.Count];
        for (int c = 0; c < columnIndexes.Length; c++)
        {
            if (!TryReadBlock(ref data, out columnIndexes[c]) || !TryReadBlock(ref data, out offsetIndexes[c]))
            {
                return false;
            }
        }

        pageIndex = new RowGroupPageIndex(columnIndexes, offsetIndexes);
        return data.IsEmpty;
    }

    /// <summary>A block is a 4-byte length and that many bytes; length 0 stands for none (a Thrift struct is never empty).</summary>
    private void AppendBlock(byte[]? block)
    {
        int length = block?.Length ?? 0;
        BinaryPrimitives.WriteInt32LittleEndian(_entry.GetSpan(4), length);
        _entry.Advance(4);
        _entry.Write(block);
    }

    private static bool TryReadBlock(ref ReadOnlySpan<byte> data, out byte[]? block)
    {
        block = null;
        if (data.Length < 4)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (length < 0 || length > data.Length - 4)
        {
            return false;
        }

        block = length == 0 ? null : data.Slice(4, length).ToArray();
        data = data[(4 + length)..];
        return true;
    }

    /// <summary>CRC-32C (Castagnoli) as the journal stores it.</summary>
    internal static uint Crc(ReadOnlySpan<byte> data) => Crc32C.Compute(data);

    /// <summary>A journaled row group; <paramref name="Metadata"/> and <paramref name="PageIndex"/> are null in a version-1 journal.</summary>
    public readonly record struct Entry(long Offset, long Length, long Rows, RowGroup? Metadata, RowGroupPageIndex? PageIndex);

    public sealed record Contents(CompressionCodec Codec, byte[] FooterTemplate, IReadOnlyList<Entry> Entries);
}
