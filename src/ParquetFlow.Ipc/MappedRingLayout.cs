// The MappedRing file layout (docs/formats.md, "MappedRing file"), defined once: offsets, sizes and the header check.
using System.Buffers.Binary;
using ParquetFlow.Durability;

namespace ParquetFlow.Ipc;

internal static class MappedRingLayout
{
    public const uint Magic = 0xBEEFCAFE;
    public const ushort CurrentVersion = 1;
    public const int HeaderSize = 64;
    public const int SlotHeaderSize = 16;

    // The document's fields, at the document's offsets (u32 mirrors, kept for its tools).
    public const int WriteIndexOffset = 0;
    public const int ReadIndexOffset = 4;
    public const int TotalWritesOffset = 8;
    public const int TotalReadsOffset = 12;
    public const int MagicOffset = 16;

    // Version 1 additions in the document's padding.
    public const int VersionOffset = 20;      // u16
    public const int HeaderSizeOffset = 22;   // u16
    public const int SlotCountOffset = 24;    // u32
    public const int SlotSizeOffset = 28;     // u32, payload bytes per slot
    public const int GeometryCrcOffset = 32;  // u32, CRC-32C of bytes [16, 32)
    public const int FlagsOffset = 36;        // u32, reserved, 0
    public const int WriteSeqOffset = 40;     // u64, committed writes: the commit point
    public const int ReadSeqOffset = 48;      // u64, consumed slots

    // Slot header: u64 sequence (1-based write number), u32 length, u32 CRC-32C of bytes [0, 12) then the payload.
    public const int SlotSeqOffset = 0;
    public const int SlotLengthOffset = 8;
    public const int SlotCrcOffset = 12;

    public const int LegacySlotCount = 10;
    public const int LegacySlotSize = 1024;

    public static long SlotStride(int slotSize) => SlotHeaderSize + (long)slotSize;

    public static long FileLength(int slotCount, int slotSize) => HeaderSize + (slotCount * SlotStride(slotSize));

    public static uint GeometryCrc(ReadOnlySpan<byte> header) => Crc32C.Compute(header[MagicOffset..GeometryCrcOffset]);

    public static void WriteGeometry(Span<byte> header, int slotCount, int slotSize)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header[MagicOffset..], Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[VersionOffset..], CurrentVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(header[HeaderSizeOffset..], HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header[SlotCountOffset..], (uint)slotCount);
        BinaryPrimitives.WriteUInt32LittleEndian(header[SlotSizeOffset..], (uint)slotSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header[GeometryCrcOffset..], GeometryCrc(header));
    }

    /// <summary>Checks a version-1 header against the file's length; returns the geometry or throws with the offset and reason.</summary>
    public static (int SlotCount, int SlotSize) ValidateHeader(string path, ReadOnlySpan<byte> file, long fileLength)
    {
        if (fileLength < HeaderSize)
        {
            throw new InvalidRingFileException(path, 0, $"file is {fileLength} bytes, shorter than the {HeaderSize}-byte ring header");
        }

        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(file[MagicOffset..]);
        if (magic != Magic)
        {
            throw new InvalidRingFileException(path, MagicOffset, $"magic is 0x{magic:x8}, expected 0x{Magic:x8}");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(file[VersionOffset..]);
        if (version != CurrentVersion)
        {
            throw new InvalidRingFileException(path, VersionOffset, $"version {version} is not supported (this build reads version {CurrentVersion})");
        }

        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(file[GeometryCrcOffset..]);
        uint crc = GeometryCrc(file);
        if (storedCrc != crc)
        {
            throw new InvalidRingFileException(path, GeometryCrcOffset, $"header CRC 0x{storedCrc:x8} does not match its contents (0x{crc:x8})");
        }

        uint slotCount = BinaryPrimitives.ReadUInt32LittleEndian(file[SlotCountOffset..]);
        uint slotSize = BinaryPrimitives.ReadUInt32LittleEndian(file[SlotSizeOffset..]);
        if (slotCount is 0 or > int.MaxValue || slotSize is 0 or > int.MaxValue)
        {
            throw new InvalidRingFileException(path, SlotCountOffset, $"geometry {slotCount} slots x {slotSize} bytes is invalid");
        }

        long expected = FileLength((int)slotCount, (int)slotSize);
        if (expected != fileLength)
        {
            throw new InvalidRingFileException(path, 0, $"file is {fileLength} bytes but its header describes {slotCount} slots x {slotSize} bytes = {expected} bytes");
        }

        ulong writeSeq = BinaryPrimitives.ReadUInt64LittleEndian(file[WriteSeqOffset..]);
        ulong readSeq = BinaryPrimitives.ReadUInt64LittleEndian(file[ReadSeqOffset..]);
        // readSeq > writeSeq is what a crash inside Reset leaves; MappedRing.Open repairs it to "empty".
        if (writeSeq > readSeq && writeSeq - readSeq > slotCount)
        {
            throw new InvalidRingFileException(path, WriteSeqOffset, $"write sequence {writeSeq} and read sequence {readSeq} are inconsistent with {slotCount} slots");
        }

        return ((int)slotCount, (int)slotSize);
    }
}
