using BenchmarkDotNet.Attributes;
using ParquetFlow.Sink;

namespace ParquetFlow.Benchmarks.Sink;

/// <summary>
/// <c>LogSink.TryLog</c> of the 52-byte market record while the writer thread drains and writes Parquet at full
/// speed: mean cost per call over 20 consecutive calls (as Quill and NanoLog measure), and allocations per call.
/// When the writer falls behind, calls return Full (counted); the share is printed at cleanup.
/// </summary>
[MemoryDiagnoser]
public class SinkHotPathBenchmarks
{
    private string _directory = "";
    private LogSink? _sink;
    private long _next;

    [Params(false, true)]
    public bool MultiProducer { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "pqflow-bench-" + Guid.NewGuid().ToString("N"));
        _sink = new LogSink(SinkOrder.Layout, new LogSinkOptions
        {
            FilePattern = Path.Combine(_directory, "hot-{seq}.parquet"),
            RingCapacityBytes = 1 << 26,
            MultiProducer = MultiProducer,
            MaxRowsPerFile = 50_000_000,
        });
    }

    [Benchmark(OperationsPerInvoke = 20)]
    public int Log20()
    {
        int ok = 0;
        for (int i = 0; i < 20; i++)
        {
            SinkOrder order = SinkOrder.Make(_next++);
            ok += _sink!.TryLog(in order) == LogResult.Ok ? 1 : 0;
        }

        return ok;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        LogSinkStatistics s = _sink!.Statistics;
        Console.WriteLine($"// logged {s.Logged:N0}, dropped (ring full) {s.Dropped:N0} = {100.0 * s.Dropped / Math.Max(1, s.Logged + s.Dropped):F1}%");
        _sink.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
