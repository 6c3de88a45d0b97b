// Single-thread add cost on the Linux profile with 2,048 sensors written round-robin (the per-record hot
// path: sensor lock, bounds check, store, count), and the uploader's consume + erase per batch.
// Percentiles with two writer threads come from `pqflow bench store --what add`.
using BenchmarkDotNet.Attributes;
using ParquetFlow.SensorStore;

namespace ParquetFlow.Benchmarks.SensorStore;

[SimpleJob(warmupCount: 2, iterationCount: 8)]
public class SensorAddBenchmark
{
    private const int Sensors = 2048;
    private const int Rounds = 200;
    private readonly byte[] _batch = new byte[12 * 1024];
    private SensorStoreSystem _store = null!;
    private SensorLog[] _ts = null!;
    private SensorLog[] _events = null!;
    private string _dir = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "pqflow-bench-ss-" + Guid.NewGuid().ToString("N"));
        _store = SensorStoreSystem.Open(SensorStoreOptions.Linux(_dir) with { MaxSensors = 2 * Sensors });
        _ts = new SensorLog[Sensors];
        _events = new SensorLog[Sensors];
        for (int i = 0; i < Sensors; i++)
        {
            SensorLog t = _store.GetOrCreateSensor((SensorSource)(i % 3), (uint)i, SensorType.TimeSeries);
            SensorLog e = _store.GetOrCreateSensor((SensorSource)(i % 3), (uint)(i + Sensors), SensorType.Event);
            _ts[i] = t;
            _events[i] = e;
            t.TryAdd(0); // persists the index reservation outside the measurement
            e.TryAdd(0, 0);
        }
        Drain();
    }

    [IterationCleanup]
    public void Drain()
    {
        foreach (SensorLog s in _ts)
        {
            while (s.TryConsumeBatch(_batch, out _, out _))
            {
                s.AcknowledgePending();
            }
        }
        foreach (SensorLog s in _events)
        {
            while (s.TryConsumeBatch(_batch, out _, out _))
            {
                s.AcknowledgePending();
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Sensors * Rounds)]
    public void AddTimeSeries()
    {
        for (int r = 0; r < Rounds; r++)
        {
            foreach (SensorLog s in _ts)
            {
                s.TryAdd((uint)r);
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Sensors * Rounds)]
    public void AddEvent()
    {
        for (int r = 0; r < Rounds; r++)
        {
            foreach (SensorLog s in _events)
            {
                s.TryAdd((uint)r, (ulong)r);
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
