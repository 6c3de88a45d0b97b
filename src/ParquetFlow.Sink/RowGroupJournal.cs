using System.Buffers.Binary;
using System.Numerics;
using ParquetFlow.Parquet;

namespace ParquetFlow.Sink;

/// <summary>
/// The sidecar of a file in progress (<c>FILE.journal</c>, docs/formats.md "Row-group journal"): a header with the
/// footer template and codec, then one 32-byte entry per durable row group (offset, length, rows), each with a CRC-32C.
/// An entry is appended only after the row group's bytes are fsynced, and is fsynced itself, so every entry names a
/// row group that is on disk. Recovery trusts entries up to the first torn or corrupt one.
/// </summary>
internal sealed class RowGroupJournal : IDisposable
{
    public const int EntrySize = 32;
    private const int FixedHeaderSize = 12;
    private static ReadOnlySpan<byte> Magic => "PQFJ"u8;

    private readonly FileStream _stream;
    private readonly byte[] _entry = new byte[EntrySize];
    private int _ordinal;

    private RowGroupJournal(FileStream stream) => _stream = stream;

    /// <summary>Creates the journal with its header and fsyncs it (before the data file exists, so no data file is ever without one).</summary>
    public static RowGroupJournal Create(string path, CompressionCodec codec, ReadOnlySpan<byte> footerTemplate)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1);
        try
        {
            byte[] header = new byte[FixedHeaderSize + footerTemplate.Length + 4];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), (ushort)codec);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), footerTemplate.Length);
            footerTemplate.CopyTo(header.AsSpan(FixedHeaderSize));
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(header.Length - 4), Crc(header.AsSpan(0, header.Length - 4)));
            stream.Write(header);
            stream.Flush(flushToDisk: true);
            return new RowGroupJournal(stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Appends and fsyncs the entry of a row group whose bytes are already fsynced.</summary>
    public void Append(long offset, long length, long rows)
    {
        Span<byte> e = _entry;
        BinaryPrimitives.WriteInt64LittleEndian(e, offset);
        BinaryPrimitives.WriteInt64LittleEndian(e[8..], length);
        BinaryPrimitives.WriteInt64LittleEndian(e[16..], rows);
        BinaryPrimitives.WriteInt32LittleEndian(e[24..], _ordinal++);
        BinaryPrimitives.WriteUInt32LittleEndian(e[28..], Crc(e[..28]));
        _stream.Write(e);
        _stream.Flush(flushToDisk: true);
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>Reads a journal; null when its header is missing or torn (then no row group was ever durable).</summary>
    public static Contents? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        byte[] data = File.ReadAllBytes(path);
        if (data.Length < FixedHeaderSize + 4 || !data.AsSpan(0, 4).SequenceEqual(Magic) || BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(4)) != 1)
        {
            return null;
        }

        var codec = (CompressionCodec)BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(6));
        int templateLength = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(8));
        if (templateLength <= 0 || templateLength > data.Length - FixedHeaderSize - 4)
        {
            return null;
        }

        int headerEnd = FixedHeaderSize + templateLength + 4;
        if (BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(headerEnd - 4)) != Crc(data.AsSpan(0, headerEnd - 4)))
        {
            return null;
        }

        var entries = new List<Entry>();
        for (int at = headerEnd; at + EntrySize <= data.Length; at += EntrySize)
        {
            ReadOnlySpan<byte> e = data.AsSpan(at, EntrySize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(e[28..]) != Crc(e[..28]) || BinaryPrimitives.ReadInt32LittleEndian(e[24..]) != entries.Count)
            {
                break;
            }

            entries.Add(new Entry(BinaryPrimitives.ReadInt64LittleEndian(e), BinaryPrimitives.ReadInt64LittleEndian(e[8..]), BinaryPrimitives.ReadInt64LittleEndian(e[16..])));
        }

        return new Contents(codec, data.AsSpan(FixedHeaderSize, templateLength).ToArray(), entries);
    }

    private static uint Crc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    public readonly record struct Entry(long Offset, long Length, long Rows);

    public sealed record Contents(CompressionCodec Codec, byte[] FooterTemplate, IReadOnlyList<Entry> Entries);
}
