// The source document's buffer_dump: the header block, then `slot[ N] offset: hex |ascii|` lines per slot.
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using static ParquetFlow.Ipc.MappedRingLayout;

namespace ParquetFlow.Ipc;

/// <summary>Writes a human-readable hex dump of a <see cref="MappedRing"/> file (the document's <c>buffer_dump</c> format).</summary>
/// <remarks>Reads the file with plain I/O: no mapping, no repair, nothing written. Also reads the document's original
/// layout (magic 0xbeefcafe, no version, 10 slots of 1024 bytes without slot headers).</remarks>
public static class MappedRingDump
{
    /// <summary>Dumps the first <paramref name="bytesPerSlot"/> payload bytes of every slot of <paramref name="path"/>.</summary>
    /// <exception cref="InvalidRingFileException">The file is not a ring.</exception>
    public static void Write(string path, int bytesPerSlot, TextWriter output)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytesPerSlot);
        byte[] file = File.ReadAllBytes(path);
        bool legacy = file.Length == HeaderSize + (LegacySlotCount * LegacySlotSize)
            && BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(MagicOffset)) == Magic
            && BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(VersionOffset)) == 0;
        (int slotCount, int slotSize) = legacy ? (LegacySlotCount, LegacySlotSize) : ValidateHeader(path, file, file.Length);

        ReadOnlySpan<byte> header = file.AsSpan(0, HeaderSize);
        ulong writes = legacy ? BinaryPrimitives.ReadUInt32LittleEndian(header[TotalWritesOffset..]) : BinaryPrimitives.ReadUInt64LittleEndian(header[WriteSeqOffset..]);
        ulong reads = legacy ? BinaryPrimitives.ReadUInt32LittleEndian(header[TotalReadsOffset..]) : BinaryPrimitives.ReadUInt64LittleEndian(header[ReadSeqOffset..]);
        var text = new StringBuilder();
        text.Append("=== CIRCULAR BUFFER HEADER ===\n");
        text.Append(CultureInfo.InvariantCulture, $"Write index:  {BinaryPrimitives.ReadUInt32LittleEndian(header[WriteIndexOffset..])}\n");
        text.Append(CultureInfo.InvariantCulture, $"Read index:   {BinaryPrimitives.ReadUInt32LittleEndian(header[ReadIndexOffset..])}\n");
        text.Append(CultureInfo.InvariantCulture, $"Total writes: {writes}\n");
        text.Append(CultureInfo.InvariantCulture, $"Total reads:  {reads}\n");
        text.Append(CultureInfo.InvariantCulture, $"Magic number: 0x{Magic:x8}\n");
        text.Append(legacy ? "Version:      0 (original layout, no slot headers)\n" : $"Version:      {CurrentVersion}\n");
        text.Append(CultureInfo.InvariantCulture, $"Slots:        {slotCount} x {slotSize} bytes\n");
        text.Append("=============================\n\n");

        int n = Math.Min(bytesPerSlot, slotSize);
        text.Append(CultureInfo.InvariantCulture, $"Dumping {n} bytes from each of {slotCount} slots:\n\n");
        long stride = legacy ? slotSize : SlotStride(slotSize);
        int payloadOffset = legacy ? 0 : SlotHeaderSize;
        for (int i = 0; i < slotCount; i++)
        {
            int start = (int)(HeaderSize + (i * stride));
            if (!legacy)
            {
                text.Append(CultureInfo.InvariantCulture, $"slot[{i,2}] {DescribeSlot(file.AsSpan(start, (int)stride), slotSize, writes, reads)}\n");
            }

            ReadOnlySpan<byte> payload = file.AsSpan(start + payloadOffset, n);
            for (int line = 0; line < payload.Length; line += 16)
            {
                AppendHexLine(text, i, line, payload.Slice(line, Math.Min(16, payload.Length - line)));
            }

            text.Append('\n');
        }

        output.Write(text.ToString());
    }

    private static unsafe string DescribeSlot(ReadOnlySpan<byte> slot, int slotSize, ulong writes, ulong reads)
    {
        ulong seq = BinaryPrimitives.ReadUInt64LittleEndian(slot[SlotSeqOffset..]);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(slot[SlotLengthOffset..]);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(slot[SlotCrcOffset..]);
        if (seq == 0 && length == 0 && crc == 0)
        {
            return "never written";
        }

        bool intact;
        fixed (byte* p = slot)
        {
            intact = length <= (uint)slotSize && crc == MappedRing.SlotCrc(p, (int)length);
        }

        string state = seq > writes ? "beyond the write counter" : seq > reads ? "unread" : "read";
        return string.Create(CultureInfo.InvariantCulture, $"write #{seq}, {length} bytes, crc 0x{crc:x8} {(intact ? "ok" : "MISMATCH (torn)")}, {state}");
    }

    private static void AppendHexLine(StringBuilder text, int slot, int offset, ReadOnlySpan<byte> bytes)
    {
        text.Append(CultureInfo.InvariantCulture, $"slot[{slot,2}] {offset:x8}: ");
        for (int j = 0; j < 16; j++)
        {
            if (j < bytes.Length)
            {
                text.Append(CultureInfo.InvariantCulture, $"{bytes[j]:x2} ");
            }
            else
            {
                text.Append("   ");
            }
        }

        text.Append(" |");
        foreach (byte b in bytes)
        {
            text.Append(b is >= 0x20 and < 0x7F ? (char)b : '.');
        }

        text.Append("|\n");
    }
}
