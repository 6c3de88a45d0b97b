// CRC-32C (Castagnoli): SSE4.2 / ARMv8 CRC instructions where present, a table otherwise. Same values either way.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace ParquetFlow.Ipc.Interop;

internal static class Crc32C
{
    private const uint Polynomial = 0x82F63B78; // reflected 0x1EDC6F41

    private static readonly uint[] s_table = CreateTable();

    /// <summary>CRC-32C of <paramref name="data"/> (initial value and final xor 0xFFFFFFFF, as iSCSI/ext4 use it).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a finished CRC over more bytes: <c>Append(Compute(a), b) == Compute(a ++ b)</c>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) => ~Update(~crc, data, Sse42.X64.IsSupported || Crc32.Arm64.IsSupported);

    internal static uint ComputeSoftware(ReadOnlySpan<byte> data) => ~Update(uint.MaxValue, data, hardware: false);

    private static uint Update(uint crc, ReadOnlySpan<byte> data, bool hardware)
    {
        if (hardware)
        {
            ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
            ulong wide = crc;
            foreach (ulong w in words)
            {
                ulong value = BitConverter.IsLittleEndian ? w : BinaryPrimitives.ReverseEndianness(w);
                wide = Sse42.X64.IsSupported ? Sse42.X64.Crc32(wide, value) : Crc32.Arm64.ComputeCrc32C((uint)wide, value);
            }

            crc = (uint)wide;
            data = data[(words.Length * sizeof(ulong))..];
            foreach (byte b in data)
            {
                crc = Sse42.IsSupported ? Sse42.Crc32(crc, b) : Crc32.ComputeCrc32C(crc, b);
            }

            return crc;
        }

        uint[] table = s_table;
        foreach (byte b in data)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? (c >> 1) ^ Polynomial : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
