// The 16-byte sector header shared by RAM and disk sectors (docs/formats.md, "Sensor store sector").
using System.Buffers.Binary;
using ParquetFlow.Durability;

namespace ParquetFlow.SensorStore;

/// <summary>
/// Layout: <c>u32 crc32c | u8 magic 0x53 | u8 flags (bits 0-1 record type, bits 4-7 version) |
/// u16 record count | u64 first record index</c>. The CRC covers bytes 4 up to the end of the last record.
/// </summary>
internal static class SectorHeader
{
    public const int Size = SensorStoreOptions.SectorHeaderSize;
    public const byte Magic = 0x53; // 'S'
    public const byte Version = 1;
    public const int CrcOffset = 0;
    public const int MagicOffset = 4;
    public const int FlagsOffset = 5;
    public const int CountOffset = 6;
    public const int FirstOffset = 8;

    /// <summary>Writes magic, flags, count and first index (not the CRC).</summary>
    public static void Init(Span<byte> sector, SensorType type, ulong firstIndex)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(sector, 0);
        sector[MagicOffset] = Magic;
        sector[FlagsOffset] = (byte)((byte)type | (Version << 4));
        BinaryPrimitives.WriteUInt16LittleEndian(sector.Slice(CountOffset), 0);
        BinaryPrimitives.WriteUInt64LittleEndian(sector.Slice(FirstOffset), firstIndex);
    }

    public static int Count(ReadOnlySpan<byte> sector) => BinaryPrimitives.ReadUInt16LittleEndian(sector.Slice(CountOffset));

    public static void SetCount(Span<byte> sector, int count) => BinaryPrimitives.WriteUInt16LittleEndian(sector.Slice(CountOffset), (ushort)count);

    public static ulong First(ReadOnlySpan<byte> sector) => BinaryPrimitives.ReadUInt64LittleEndian(sector.Slice(FirstOffset));

    public static SensorType Type(ReadOnlySpan<byte> sector) => (SensorType)(sector[FlagsOffset] & 0x3);

    /// <summary>Bytes the CRC covers and a disk write must include: header plus records.</summary>
    public static int UsedBytes(ReadOnlySpan<byte> sector, int recordSize) => Size + (Count(sector) * recordSize);

    /// <summary>Computes and stores the CRC over the used bytes.</summary>
    public static void Seal(Span<byte> sector, int recordSize)
    {
        int used = UsedBytes(sector, recordSize);
        BinaryPrimitives.WriteUInt32LittleEndian(sector, Crc32C.Compute(sector.Slice(4, used - 4)));
    }

    /// <summary>
    /// Validates a sector read back: magic, version, type, count within capacity and the CRC. Never trusts a
    /// length before checking it against the buffer.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> sector, SensorType expectedType, int sectorSize)
    {
        if (sector.Length < Size || sector[MagicOffset] != Magic || (sector[FlagsOffset] >> 4) != Version)
        {
            return false;
        }
        SensorType type = Type(sector);
        if (type != SensorType.TimeSeries && type != SensorType.Event)
        {
            return false;
        }
        if (expectedType != 0 && type != expectedType)
        {
            return false;
        }
        int recordSize = RecordCodec.Size(type);
        int count = Count(sector);
        int used = Size + (count * recordSize);
        if (count == 0 || used > sectorSize || used > sector.Length)
        {
            return false;
        }
        return BinaryPrimitives.ReadUInt32LittleEndian(sector) == Crc32C.Compute(sector.Slice(4, used - 4));
    }
}
