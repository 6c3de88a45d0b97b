// MappedRing writes of 1 KiB slots per flush policy (each write followed by the read that frees its slot).
using BenchmarkDotNet.Attributes;
using ParquetFlow.Ipc;

namespace ParquetFlow.Benchmarks.Ipc;

[SimpleJob(warmupCount: 2, iterationCount: 8)]
public class MappedRingWriteBenchmark
{
    private readonly byte[] _slot = new byte[1024];
    private readonly byte[] _read = new byte[1024];
    private MappedRing _ring = null!;
    private string _path = null!;

    [Params(1, 64, 0)]
    public int FlushInterval { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Path.GetTempPath(), $"pqflow-bdn-{Environment.ProcessId}-{FlushInterval}.ring");
        File.Delete(_path);
        FlushPolicy policy = FlushInterval switch { 0 => FlushPolicy.OnDemand, 1 => FlushPolicy.EveryWrite, _ => FlushPolicy.EveryN(FlushInterval) };
        _ring = MappedRing.Create(_path, new MappedRingOptions { SlotCount = 10, SlotSize = 1024, Flush = policy });
        Random.Shared.NextBytes(_slot);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ring.Dispose();
        File.Delete(_path);
    }

    [Benchmark]
    public MappedRingStatus WriteThenRead1KiB()
    {
        _ring.TryWrite(_slot);
        return _ring.Read(_read, out _);
    }
}
