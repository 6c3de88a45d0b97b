using System.Buffers.Binary;

namespace ParquetFlow.Parquet.Tests;

/// <summary>Straightforward reference decoders, written from the specification, to check the encoders against.</summary>
internal static class Decoders
{
    public static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong result = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
    }

    public static long ReadZigZag(ReadOnlySpan<byte> data, ref int position)
    {
        ulong raw = ReadVarint(data, ref position);
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    /// <summary>Reads <paramref name="count"/> values of <paramref name="bitWidth"/> bits, LSB first, bit by bit.</summary>
    public static ulong[] Unpack(ReadOnlySpan<byte> data, ref int position, int count, int bitWidth)
    {
        var values = new ulong[count];
        long bit = (long)position * 8;
        for (int i = 0; i < count; i++)
        {
            ulong v = 0;
            for (int b = 0; b < bitWidth; b++, bit++)
            {
                if ((data[(int)(bit >> 3)] >> (int)(bit & 7) & 1) != 0)
                {
                    v |= 1UL << b;
                }
            }

            values[i] = v;
        }

        position += (int)(((long)count * bitWidth + 7) / 8);
        return values;
    }

    public static List<uint> RleHybrid(ReadOnlySpan<byte> data, int bitWidth, int count)
    {
        var values = new List<uint>();
        int position = 0;
        while (values.Count < count)
        {
            ulong header = ReadVarint(data, ref position);
            if ((header & 1) == 0)
            {
                int run = (int)(header >> 1);
                uint value = 0;
                int bytes = (bitWidth + 7) / 8;
                for (int b = 0; b < bytes; b++)
                {
                    value |= (uint)data[position++] << (8 * b);
                }

                for (int i = 0; i < run; i++)
                {
                    values.Add(value);
                }
            }
            else
            {
                int groups = (int)(header >> 1);
                foreach (ulong v in Unpack(data, ref position, groups * 8, bitWidth))
                {
                    values.Add((uint)v);
                }
            }
        }

        return values.GetRange(0, count);
    }

    public static long[] DeltaBinaryPacked(ReadOnlySpan<byte> data, bool is32, out int consumed)
    {
        int position = 0;
        int blockSize = (int)ReadVarint(data, ref position);
        int miniblocks = (int)ReadVarint(data, ref position);
        int total = (int)ReadVarint(data, ref position);
        long value = ReadZigZag(data, ref position);
        var result = new List<long>();
        if (total > 0)
        {
            result.Add(value);
        }

        int perMiniblock = blockSize / miniblocks;
        while (result.Count < total)
        {
            long minDelta = ReadZigZag(data, ref position);
            byte[] widths = data.Slice(position, miniblocks).ToArray();
            position += miniblocks;
            for (int m = 0; m < miniblocks && result.Count < total; m++)
            {
                foreach (ulong packed in Unpack(data, ref position, perMiniblock, widths[m]))
                {
                    if (result.Count == total)
                    {
                        break;
                    }

                    value = is32 ? unchecked((int)value + (int)minDelta + (int)packed) : unchecked(value + minDelta + (long)packed);
                    result.Add(value);
                }
            }
        }

        consumed = position;
        return [.. result];
    }

    public static int ReadInt32(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);
}
