using System.IO.Compression;
using K4os.Compression.LZ4;
using ParquetFlow.Parquet.IO;

namespace ParquetFlow.Parquet.Compression;

/// <summary>
/// Compresses page bodies with one codec. Holds per-codec state (a zstd context), so one instance per
/// column writer; not thread-safe.
/// </summary>
/// <remarks>
/// Codecs are the managed ports: Snappier (Snappy), ZstdSharp (zstd), K4os (LZ4 raw blocks) and the runtime's
/// own GZip (zlib-ng underneath). Measured on the 10 M-row market-data columns they run within a few percent of
/// the native libraries (see bench/ and README), need no native binaries on i.MX targets and publish with NativeAOT.
/// </remarks>
internal sealed class PageCompressor : IDisposable
{
    private readonly CompressionCodec _codec;
    private readonly int _level;
    private ZstdSharp.Compressor? _zstd;

    public PageCompressor(CompressionCodec codec, int level)
    {
        if (!CompressionCodecs.CanWrite(codec))
        {
            throw new NotSupportedException($"compression codec {codec} is not supported for writing; use SNAPPY, GZIP, ZSTD, LZ4_RAW or UNCOMPRESSED");
        }

        _codec = codec;
        _level = level;
    }

    public CompressionCodec Codec => _codec;

    /// <summary>Appends the compressed form of <paramref name="source"/> to <paramref name="output"/>; returns its length.</summary>
    public int Compress(ReadOnlySpan<byte> source, ByteBuffer output)
    {
        int start = output.Length;
        switch (_codec)
        {
            case CompressionCodec.Uncompressed:
                output.Write(source);
                break;
            case CompressionCodec.Snappy:
            {
                Span<byte> dst = output.GetSpan(Snappier.Snappy.GetMaxCompressedLength(source.Length));
                output.Advance(Snappier.Snappy.Compress(source, dst));
                break;
            }

            case CompressionCodec.Zstd:
            {
                _zstd ??= new ZstdSharp.Compressor(_level == 0 ? 1 : _level);
                Span<byte> dst = output.GetSpan(ZstdSharp.Compressor.GetCompressBound(source.Length));
                output.Advance(_zstd.Wrap(source, dst));
                break;
            }

            case CompressionCodec.Lz4Raw:
            {
                Span<byte> dst = output.GetSpan(LZ4Codec.MaximumOutputSize(source.Length));
                int written = LZ4Codec.Encode(source, dst, _level >= 3 ? (LZ4Level)Math.Min(_level, (int)LZ4Level.L12_MAX) : LZ4Level.L00_FAST);
                if (written < 0)
                {
                    throw new InvalidOperationException("LZ4 compression failed");
                }

                output.Advance(written);
                break;
            }

            case CompressionCodec.Gzip:
            {
                var options = new ZLibCompressionOptions { CompressionLevel = _level == 0 ? 6 : Math.Clamp(_level, 1, 9) };
                using var sink = new ByteBufferStream(output);
                using (var gzip = new GZipStream(sink, options, leaveOpen: true))
                {
                    gzip.Write(source);
                }

                break;
            }
        }

        return output.Length - start;
    }

    public void Dispose()
    {
        _zstd?.Dispose();
        _zstd = null;
    }
}
