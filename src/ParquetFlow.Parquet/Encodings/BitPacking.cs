using System.Runtime.CompilerServices;
using ParquetFlow.Parquet.IO;

namespace ParquetFlow.Parquet.Encodings;

/// <summary>LSB-first bit packing as the RLE/bit-packed hybrid and DELTA_BINARY_PACKED use it.</summary>
internal static class BitPacking
{
    /// <summary>Number of bits needed for <paramref name="value"/> (0 for 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BitWidth(ulong value) => 64 - System.Numerics.BitOperations.LeadingZeroCount(value);

    /// <summary>
    /// Appends <paramref name="count"/> values of <paramref name="bitWidth"/> bits each (1..64), packed LSB-first;
    /// the caller guarantees every value fits in the width. Writes exactly ceil(count × bitWidth / 8) bytes.
    /// </summary>
    public static void Pack(ReadOnlySpan<ulong> values, int bitWidth, ByteBuffer output)
    {
        if (bitWidth == 0 || values.Length == 0)
        {
            return;
        }

        int bytes = (int)(((long)values.Length * bitWidth + 7) >> 3);
        Span<byte> dst = output.GetSpan(bytes + 8);
        ulong acc = 0;
        int bits = 0;
        int o = 0;
        foreach (ulong v in values)
        {
            acc |= v << bits;
            int total = bits + bitWidth;
            if (total >= 64)
            {
                Unsafe.WriteUnaligned(ref dst[o], acc);
                o += 8;
                acc = bits == 0 ? 0 : v >> (64 - bits);
                total -= 64;
            }

            bits = total;
        }

        if (bits > 0)
        {
            Unsafe.WriteUnaligned(ref dst[o], acc);
        }

        output.Advance(bytes);
    }

    /// <summary>Packs 32-bit values (widths 1..32); same layout as <see cref="Pack(ReadOnlySpan{ulong}, int, ByteBuffer)"/>.</summary>
    public static void Pack(ReadOnlySpan<uint> values, int bitWidth, ByteBuffer output)
    {
        if (bitWidth == 0 || values.Length == 0)
        {
            return;
        }

        int bytes = (int)(((long)values.Length * bitWidth + 7) >> 3);
        Span<byte> dst = output.GetSpan(bytes + 8);
        ulong acc = 0;
        int bits = 0;
        int o = 0;
        foreach (uint v in values)
        {
            acc |= (ulong)v << bits;
            bits += bitWidth;
            if (bits >= 32)
            {
                Unsafe.WriteUnaligned(ref dst[o], (uint)acc);
                o += 4;
                acc >>= 32;
                bits -= 32;
            }
        }

        if (bits > 0)
        {
            Unsafe.WriteUnaligned(ref dst[o], acc);
        }

        output.Advance(bytes);
    }
}
