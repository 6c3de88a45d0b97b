// CRC32C over one 64 KB disk sector: the SSE4.2/ARM instruction path against the slicing-by-8 table.
using BenchmarkDotNet.Attributes;
using ParquetFlow.Durability;
using ParquetFlow.SensorStore;

namespace ParquetFlow.Benchmarks.SensorStore;

[SimpleJob(warmupCount: 2, iterationCount: 8)]
public class Crc32CBenchmark
{
    private readonly byte[] _sector = new byte[64 * 1024];

    [GlobalSetup]
    public void Setup() => new Random(1).NextBytes(_sector);

    [Benchmark(Baseline = true)]
    public uint Hardware() => Crc32C.Compute(_sector);

    [Benchmark]
    public uint Table() => Crc32C.ComputeWithTable(_sector);
}
