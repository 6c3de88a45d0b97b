// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): SSE4.2 on x64 and the ARMv8 CRC instructions on arm64 when
// present, a slicing-by-8 table otherwise (32-bit ARM, old CPUs). The one CRC-32C of every durable format: sensor-store
// sectors and meta files, the sink's row-group journal, mapped-ring slots.
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace ParquetFlow.Durability;

/// <summary>CRC32C (Castagnoli) as used by iSCSI, ext4 and SCTP; thread-safe, allocation-free.</summary>
public static class Crc32C
{
    private const uint Polynomial = 0x82F63B78u;
    private static readonly uint[] s_table = BuildTable();

    /// <summary>True when the CPU instructions are used instead of the table.</summary>
    public static bool IsHardwareAccelerated => Sse42.X64.IsSupported || Sse42.IsSupported || Crc32.Arm64.IsSupported;

    /// <summary>The CRC32C of <paramref name="data"/> (initial value and final xor 0xFFFFFFFF).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(0xFFFFFFFFu, data);

    /// <summary>Continues a finished CRC over more bytes: <c>Append(Compute(a), b) == Compute(a ++ b)</c>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) => ~Update(~crc, data);

    /// <summary>Continues a raw (not finalized) CRC over more bytes; start from 0xFFFFFFFF and invert at the end.</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint i = 0;
        if (Sse42.X64.IsSupported)
        {
            ulong c = crc;
            for (; i + 8 <= length; i += 8)
            {
                c = Sse42.X64.Crc32(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
            }
            crc = (uint)c;
            for (; i < length; i++)
            {
                crc = Sse42.Crc32(crc, Unsafe.Add(ref p, i));
            }
            return crc;
        }
        if (Sse42.IsSupported)
        {
            for (; i + 4 <= length; i += 4)
            {
                crc = Sse42.Crc32(crc, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i)));
            }
            for (; i < length; i++)
            {
                crc = Sse42.Crc32(crc, Unsafe.Add(ref p, i));
            }
            return crc;
        }
        if (Crc32.Arm64.IsSupported)
        {
            for (; i + 8 <= length; i += 8)
            {
                crc = Crc32.Arm64.ComputeCrc32C(crc, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
            }
            for (; i < length; i++)
            {
                crc = Crc32.ComputeCrc32C(crc, Unsafe.Add(ref p, i));
            }
            return crc;
        }
        return UpdateSoftware(crc, data);
    }

    /// <summary>The CRC32C computed with the table only (the fallback path), for comparison.</summary>
    public static uint ComputeWithTable(ReadOnlySpan<byte> data) => ~UpdateSoftware(0xFFFFFFFFu, data);

    /// <summary>The table-driven path, visible to tests so both paths are checked against each other.</summary>
    internal static uint UpdateSoftware(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] t = s_table;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            uint lo = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i)) ^ crc;
            uint hi = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i + 4));
            crc = t[(7 * 256) + (lo & 0xFF)] ^ t[(6 * 256) + ((lo >> 8) & 0xFF)] ^
                  t[(5 * 256) + ((lo >> 16) & 0xFF)] ^ t[(4 * 256) + (lo >> 24)] ^
                  t[(3 * 256) + (hi & 0xFF)] ^ t[(2 * 256) + ((hi >> 8) & 0xFF)] ^
                  t[256 + ((hi >> 16) & 0xFF)] ^ t[hi >> 24];
        }
        for (; i < data.Length; i++)
        {
            crc = t[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
        }
        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? (c >> 1) ^ Polynomial : c >> 1;
            }
            table[n] = c;
        }
        for (int slice = 1; slice < 8; slice++)
        {
            for (int n = 0; n < 256; n++)
            {
                uint prev = table[((slice - 1) * 256) + n];
                table[(slice * 256) + n] = (prev >> 8) ^ table[prev & 0xFF];
            }
        }
        return table;
    }
}
