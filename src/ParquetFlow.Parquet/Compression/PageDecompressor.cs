using System.IO.Compression;
using K4os.Compression.LZ4;

namespace ParquetFlow.Parquet.Compression;

/// <summary>Decompresses page bodies (used by the reader side: recovery, inspection, tests).</summary>
public static class PageDecompressor
{
    /// <summary>Decompresses <paramref name="source"/> into exactly <paramref name="destination"/>.Length bytes.</summary>
    public static void Decompress(CompressionCodec codec, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int written;
        switch (codec)
        {
            case CompressionCodec.Uncompressed:
                if (source.Length != destination.Length)
                {
                    throw new ParquetFormatException($"uncompressed page holds {source.Length} bytes, header says {destination.Length}");
                }

                source.CopyTo(destination);
                return;
            case CompressionCodec.Snappy:
                written = Snappier.Snappy.Decompress(source, destination);
                break;
            case CompressionCodec.Zstd:
                using (var zstd = new ZstdSharp.Decompressor())
                {
                    written = zstd.Unwrap(source, destination);
                }

                break;
            case CompressionCodec.Lz4Raw:
                written = LZ4Codec.Decode(source, destination);
                break;
            case CompressionCodec.Gzip:
                unsafe
                {
                    fixed (byte* p = source)
                    {
                        using var input = new UnmanagedMemoryStream(p, source.Length);
                        using var gzip = new GZipStream(input, CompressionMode.Decompress);
                        written = 0;
                        int n;
                        while (written < destination.Length && (n = gzip.Read(destination[written..])) > 0)
                        {
                            written += n;
                        }
                    }
                }

                break;
            default:
                throw new NotSupportedException($"cannot decompress codec {codec}");
        }

        if (written != destination.Length)
        {
            throw new ParquetFormatException($"{codec} page decompressed to {written} bytes, header says {destination.Length}");
        }
    }
}
