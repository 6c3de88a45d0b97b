using System.Numerics;
using System.Runtime.InteropServices;
using ParquetFlow.Parquet.IO;

namespace ParquetFlow.Parquet.Encodings;

/// <summary>
/// The RLE/bit-packed hybrid encoding (definition levels, dictionary indices, RLE booleans).
/// Runs of 8 or more equal values become RLE runs; everything else is bit-packed in groups of 8.
/// </summary>
internal static class RleBitPackedHybrid
{
    private const int MinRepeat = 8;

    /// <summary>Appends the encoded values (no length prefix). Values must fit in <paramref name="bitWidth"/> bits.</summary>
    /// <remarks>
    /// Works a group of 8 at a time, as the format counts literals: a group whose 8 values are equal starts an RLE
    /// run that extends as far as the value repeats; any other group stays literal. A run that begins inside a
    /// group loses at most 7 values to the literals, and random data costs one early-exiting compare per group.
    /// </remarks>
    public static void Encode<T>(ReadOnlySpan<T> values, int bitWidth, ByteBuffer output)
        where T : unmanaged, IBinaryInteger<T>
    {
        int n = values.Length;
        int literalStart = 0;
        int i = 0;
        while (i + MinRepeat <= n)
        {
            T value = values[i];
            if (values.Slice(i + 1, MinRepeat - 1).IndexOfAnyExcept(value) >= 0)
            {
                i += MinRepeat;
                continue;
            }

            int end = i + MinRepeat;
            int different = values[end..].IndexOfAnyExcept(value);
            end = different < 0 ? n : end + different;
            if (i > literalStart)
            {
                WriteBitPacked(values[literalStart..i], bitWidth, output);
            }

            WriteRle(uint.CreateTruncating(value), end - i, bitWidth, output);
            i = end;
            literalStart = end;
        }

        if (literalStart < n)
        {
            WriteBitPacked(values[literalStart..], bitWidth, output);
        }
    }

    /// <summary>Appends one RLE run.</summary>
    public static void WriteRle(uint value, int count, int bitWidth, ByteBuffer output)
    {
        output.WriteVarint((ulong)count << 1);
        int valueBytes = (bitWidth + 7) >> 3;
        for (int b = 0; b < valueBytes; b++)
        {
            output.WriteByte((byte)(value >> (8 * b)));
        }
    }

    /// <summary>Appends one bit-packed run; a count that is not a multiple of 8 is padded with zeros.</summary>
    public static void WriteBitPacked<T>(ReadOnlySpan<T> values, int bitWidth, ByteBuffer output)
        where T : unmanaged, IBinaryInteger<T>
    {
        int groups = (values.Length + 7) / 8;
        output.WriteVarint(((ulong)groups << 1) | 1);
        Span<uint> scratch = stackalloc uint[256];
        int padded = groups * 8;
        int start = 0;
        if (typeof(T) == typeof(int) || typeof(T) == typeof(uint))
        {
            // Dictionary indices: pack whole groups straight from the caller's values, pad only the last.
            int whole = values.Length & ~7;
            BitPacking.Pack(MemoryMarshal.Cast<T, uint>(values[..whole]), bitWidth, output);
            start = whole;
        }

        for (; start < padded; start += scratch.Length)
        {
            int take = Math.Min(scratch.Length, padded - start);
            Span<uint> chunk = scratch[..take];
            for (int k = 0; k < take; k++)
            {
                int index = start + k;
                chunk[k] = index < values.Length ? uint.CreateTruncating(values[index]) : 0;
            }

            BitPacking.Pack(chunk, bitWidth, output);
        }
    }
}
