using System.Buffers;
using ParquetFlow.Parquet.IO;

namespace ParquetFlow.Parquet.Encodings;

/// <summary>
/// DELTA_BINARY_PACKED for INT32 and INT64: blocks of 128 deltas in 4 miniblocks of 32, each miniblock
/// bit-packed at its own width after subtracting the block's minimum delta. INT32 deltas wrap in 32 bits
/// so that readers using 32-bit arithmetic restore the values.
/// </summary>
internal static class DeltaBinaryPacked
{
    public const int BlockSize = 128;
    public const int MiniblocksPerBlock = 4;
    public const int MiniblockSize = BlockSize / MiniblocksPerBlock;

    public static void Encode(ReadOnlySpan<long> values, ByteBuffer output) => EncodeCore(values, output, is32: false);

    public static void Encode(ReadOnlySpan<int> values, ByteBuffer output)
    {
        long[] widened = ArrayPool<long>.Shared.Rent(Math.Max(values.Length, 1));
        try
        {
            for (int i = 0; i < values.Length; i++)
            {
                widened[i] = values[i];
            }

            EncodeCore(widened.AsSpan(0, values.Length), output, is32: true);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(widened);
        }
    }

    private static void EncodeCore(ReadOnlySpan<long> values, ByteBuffer output, bool is32)
    {
        output.WriteVarint(BlockSize);
        output.WriteVarint(MiniblocksPerBlock);
        output.WriteVarint((ulong)values.Length);
        long first = values.Length > 0 ? values[0] : 0;
        WriteZigZag(first, output);
        if (values.Length <= 1)
        {
            return;
        }

        Span<ulong> deltas = stackalloc ulong[BlockSize];
        Span<long> signed = stackalloc long[BlockSize];
        Span<byte> widths = stackalloc byte[MiniblocksPerBlock];
        int position = 1;
        while (position < values.Length)
        {
            int count = Math.Min(BlockSize, values.Length - position);
            long minDelta = long.MaxValue;
            for (int k = 0; k < count; k++)
            {
                long d = is32
                    ? unchecked((int)values[position + k] - (int)values[position + k - 1])
                    : unchecked(values[position + k] - values[position + k - 1]);
                signed[k] = d;
                if (d < minDelta)
                {
                    minDelta = d;
                }
            }

            WriteZigZag(minDelta, output);
            for (int k = 0; k < count; k++)
            {
                deltas[k] = is32 ? unchecked((uint)(int)signed[k] - (uint)(int)minDelta) : unchecked((ulong)signed[k] - (ulong)minDelta);
            }

            deltas[count..].Clear();
            int miniblocks = (count + MiniblockSize - 1) / MiniblockSize;
            for (int m = 0; m < MiniblocksPerBlock; m++)
            {
                if (m >= miniblocks)
                {
                    widths[m] = 0;
                    continue;
                }

                ulong or = 0;
                foreach (ulong d in deltas.Slice(m * MiniblockSize, MiniblockSize))
                {
                    or |= d;
                }

                widths[m] = (byte)BitPacking.BitWidth(or);
            }

            output.Write(widths);
            for (int m = 0; m < miniblocks; m++)
            {
                BitPacking.Pack(deltas.Slice(m * MiniblockSize, MiniblockSize), widths[m], output);
            }

            position += count;
        }
    }

    private static void WriteZigZag(long value, ByteBuffer output) => output.WriteVarint((ulong)((value << 1) ^ (value >> 63)));
}
