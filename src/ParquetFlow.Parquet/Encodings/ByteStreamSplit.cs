using ParquetFlow.Parquet.IO;

namespace ParquetFlow.Parquet.Encodings;

/// <summary>BYTE_STREAM_SPLIT: byte k of every value goes to stream k, streams concatenated (helps codecs on floats).</summary>
internal static class ByteStreamSplit
{
    public static void Encode(ReadOnlySpan<byte> plain, int width, ByteBuffer output)
    {
        int count = plain.Length / width;
        Span<byte> dst = output.GetSpan(plain.Length)[..plain.Length];
        for (int k = 0; k < width; k++)
        {
            Span<byte> stream = dst.Slice(k * count, count);
            for (int i = 0, src = k; i < count; i++, src += width)
            {
                stream[i] = plain[src];
            }
        }

        output.Advance(plain.Length);
    }
}
