using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using K4os.Compression.LZ4;
using ParquetFlow.Cli.Demo;

namespace ParquetFlow.Benchmarks.Parquet;

/// <summary>
/// The managed codecs ParquetFlow ships (Snappier, ZstdSharp, K4os LZ4) against the native libraries (libsnappy,
/// libzstd, liblz4 through P/Invoke) on the same data: the PLAIN bytes of 1 M market-data rows cut into
/// 160 KiB pages, as the column writer hands them over. Native libraries: `apt-get install libsnappy1v5`
/// (libzstd1 and liblz4-1 are on every Debian).
/// `dotnet run -c Release --project bench/ParquetFlow.Benchmarks -- --filter '*CodecBenchmarks*'`
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 2, iterationCount: 7)]
public class CodecBenchmarks
{
    private const int PageBytes = 160 * 1024;
    private byte[][] _pages = [];
    private byte[] _output = [];
    private ZstdSharp.Compressor? _zstd1;
    private ZstdSharp.Compressor? _zstd3;

    [GlobalSetup]
    public void Setup()
    {
        MarketData data = MarketData.Generate(1_000_000);
        var plain = new List<byte>();
        plain.AddRange(MemoryMarshal.AsBytes(data.TimestampNs.AsSpan()).ToArray());
        plain.AddRange(data.SymbolBytes);
        plain.AddRange(MemoryMarshal.AsBytes(data.OrderId.AsSpan()).ToArray());
        plain.AddRange(MemoryMarshal.AsBytes(data.Side.AsSpan()).ToArray());
        plain.AddRange(MemoryMarshal.AsBytes(data.Price.AsSpan()).ToArray());
        plain.AddRange(MemoryMarshal.AsBytes(data.Quantity.AsSpan()).ToArray());
        plain.AddRange(MemoryMarshal.AsBytes(data.OrderType.AsSpan()).ToArray());
        plain.AddRange(MemoryMarshal.AsBytes(data.Exchange.AsSpan()).ToArray());
        byte[] all = [.. plain];
        _pages = [.. all.Chunk(PageBytes)];
        _output = new byte[ZstdSharp.Compressor.GetCompressBound(PageBytes) * 2];
        _zstd1 = new ZstdSharp.Compressor(1);
        _zstd3 = new ZstdSharp.Compressor(3);
    }

    /// <summary>Bytes in, for MB/s: BenchmarkDotNet reports time per operation over this many bytes.</summary>
    public long InputBytes => _pages.Sum(p => (long)p.Length);

    [Benchmark(Baseline = true)]
    public long Snappier()
    {
        long total = 0;
        foreach (byte[] page in _pages)
        {
            total += global::Snappier.Snappy.Compress(page, _output);
        }

        return total;
    }

    [Benchmark]
    public unsafe long NativeSnappy()
    {
        long total = 0;
        fixed (byte* dst = _output)
        {
            foreach (byte[] page in _pages)
            {
                fixed (byte* src = page)
                {
                    nuint length = (nuint)_output.Length;
                    if (snappy_compress(src, (nuint)page.Length, dst, &length) != 0)
                    {
                        throw new InvalidOperationException("snappy_compress failed");
                    }

                    total += (long)length;
                }
            }
        }

        return total;
    }

    [Benchmark]
    public long ZstdSharpLevel1() => Zstd(_zstd1!);

    [Benchmark]
    public long ZstdSharpLevel3() => Zstd(_zstd3!);

    [Benchmark]
    public unsafe long NativeZstdLevel1() => NativeZstd(1);

    [Benchmark]
    public unsafe long NativeZstdLevel3() => NativeZstd(3);

    [Benchmark]
    public long K4osLz4()
    {
        long total = 0;
        foreach (byte[] page in _pages)
        {
            total += LZ4Codec.Encode(page, _output, LZ4Level.L00_FAST);
        }

        return total;
    }

    [Benchmark]
    public unsafe long NativeLz4()
    {
        long total = 0;
        fixed (byte* dst = _output)
        {
            foreach (byte[] page in _pages)
            {
                fixed (byte* src = page)
                {
                    total += LZ4_compress_default(src, dst, page.Length, _output.Length);
                }
            }
        }

        return total;
    }

    private long Zstd(ZstdSharp.Compressor compressor)
    {
        long total = 0;
        foreach (byte[] page in _pages)
        {
            total += compressor.Wrap(page, _output);
        }

        return total;
    }

    private unsafe long NativeZstd(int level)
    {
        long total = 0;
        fixed (byte* dst = _output)
        {
            foreach (byte[] page in _pages)
            {
                fixed (byte* src = page)
                {
                    total += (long)ZSTD_compress(dst, (nuint)_output.Length, src, (nuint)page.Length, level);
                }
            }
        }

        return total;
    }

    [DllImport("libsnappy.so.1")]
    private static extern unsafe int snappy_compress(byte* input, nuint inputLength, byte* output, nuint* outputLength);

    [DllImport("libzstd.so.1")]
    private static extern unsafe nuint ZSTD_compress(byte* dst, nuint dstCapacity, byte* src, nuint srcSize, int level);

    [DllImport("liblz4.so.1")]
    private static extern unsafe int LZ4_compress_default(byte* src, byte* dst, int srcSize, int dstCapacity);
}
