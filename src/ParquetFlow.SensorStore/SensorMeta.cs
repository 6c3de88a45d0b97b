// The sensor_<id>.meta file: cursors and the list of live disk sectors (docs/formats.md, "Sensor store meta").
using System.Buffers.Binary;
using ParquetFlow.Durability;

namespace ParquetFlow.SensorStore;

/// <summary>The content of a meta file; <see cref="Encode"/> and <see cref="TryDecode"/> are the only layout code.</summary>
internal sealed class SensorMeta
{
    public const uint Magic = 0x544D5353; // "SSMT"
    public const ushort Version = 1;
    public const int FixedSize = 48;
    public const int EntrySize = 24;

    public SensorSource Source { get; init; }

    public SensorType Type { get; init; }

    public uint SensorId { get; init; }

    public int DiskSectorSize { get; init; }

    /// <summary>Every record below this index was erased after an acknowledgement.</summary>
    public ulong ErasedIndex { get; init; }

    /// <summary>One past the last record of the newest disk sector this meta describes.</summary>
    public ulong DiskTail { get; init; }

    /// <summary>No record index at or above this was handed out before this meta was written.</summary>
    public ulong ReservedTail { get; init; }

    public int FileSlots { get; init; }

    public IReadOnlyList<DiskSegment> Segments { get; init; } = [];

    public byte[] Encode()
    {
        var buffer = new byte[FixedSize + (Segments.Count * EntrySize) + 4];
        Span<byte> b = buffer;
        BinaryPrimitives.WriteUInt32LittleEndian(b, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(b.Slice(4), Version);
        b[6] = (byte)Source;
        b[7] = (byte)Type;
        BinaryPrimitives.WriteUInt32LittleEndian(b.Slice(8), SensorId);
        BinaryPrimitives.WriteInt32LittleEndian(b.Slice(12), DiskSectorSize);
        BinaryPrimitives.WriteUInt64LittleEndian(b.Slice(16), ErasedIndex);
        BinaryPrimitives.WriteUInt64LittleEndian(b.Slice(24), DiskTail);
        BinaryPrimitives.WriteUInt64LittleEndian(b.Slice(32), ReservedTail);
        BinaryPrimitives.WriteInt32LittleEndian(b.Slice(40), FileSlots);
        BinaryPrimitives.WriteInt32LittleEndian(b.Slice(44), Segments.Count);
        int o = FixedSize;
        foreach (DiskSegment s in Segments)
        {
            BinaryPrimitives.WriteInt32LittleEndian(b.Slice(o), s.Slot);
            BinaryPrimitives.WriteInt32LittleEndian(b.Slice(o + 4), s.Count);
            BinaryPrimitives.WriteUInt64LittleEndian(b.Slice(o + 8), s.First);
            BinaryPrimitives.WriteInt32LittleEndian(b.Slice(o + 16), s.Skip);
            BinaryPrimitives.WriteInt32LittleEndian(b.Slice(o + 20), 0);
            o += EntrySize;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(b.Slice(o), Crc32C.Compute(b.Slice(0, o)));
        return buffer;
    }

    /// <summary>Decodes and validates a meta file; null with a reason when it cannot be trusted.</summary>
    public static SensorMeta? TryDecode(ReadOnlySpan<byte> b, out string? reason)
    {
        reason = null;
        if (b.Length < FixedSize + 4)
        {
            reason = $"meta file of {b.Length} bytes is shorter than its header";
            return null;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(b) != Magic || BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(4)) != Version)
        {
            reason = "bad meta magic or version";
            return null;
        }
        int n = BinaryPrimitives.ReadInt32LittleEndian(b.Slice(44));
        if (n < 0 || n > (b.Length - FixedSize - 4) / EntrySize || b.Length != FixedSize + (n * EntrySize) + 4)
        {
            reason = $"meta segment count {n} does not match its length {b.Length}";
            return null;
        }
        int end = FixedSize + (n * EntrySize);
        if (BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(end)) != Crc32C.Compute(b.Slice(0, end)))
        {
            reason = "meta CRC mismatch";
            return null;
        }
        var segments = new DiskSegment[n];
        for (int i = 0; i < n; i++)
        {
            int o = FixedSize + (i * EntrySize);
            segments[i] = new DiskSegment(
                BinaryPrimitives.ReadInt32LittleEndian(b.Slice(o)),
                BinaryPrimitives.ReadUInt64LittleEndian(b.Slice(o + 8)),
                BinaryPrimitives.ReadInt32LittleEndian(b.Slice(o + 4)),
                BinaryPrimitives.ReadInt32LittleEndian(b.Slice(o + 16)));
        }
        return new SensorMeta
        {
            Source = (SensorSource)b[6],
            Type = (SensorType)b[7],
            SensorId = BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(8)),
            DiskSectorSize = BinaryPrimitives.ReadInt32LittleEndian(b.Slice(12)),
            ErasedIndex = BinaryPrimitives.ReadUInt64LittleEndian(b.Slice(16)),
            DiskTail = BinaryPrimitives.ReadUInt64LittleEndian(b.Slice(24)),
            ReservedTail = BinaryPrimitives.ReadUInt64LittleEndian(b.Slice(32)),
            FileSlots = BinaryPrimitives.ReadInt32LittleEndian(b.Slice(40)),
            Segments = segments,
        };
    }
}
