using System.Diagnostics;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using HdrHistogram;
using ParquetFlow.Sink;

namespace ParquetFlow.Benchmarks.Sink;

/// <summary>
/// The latency distribution of <c>LogSink.TryLog</c> (one run, printed as a table): samples of 20 consecutive calls
/// (mean per call, the Quill/NanoLog method) and single calls, with the writer running, then with the writer thread
/// paused for 10 s (the producer must not notice; records that do not fit are counted as dropped). The producer
/// logs at a steady 2 M records/s, bursts of 20, which the writer sustains; timestamps are Stopwatch ticks (1 ns),
/// whose own cost (~20 ns per read pair) is included in the single-call figures. A last phase measures the floor: the
/// same loop with the record copied to memory but no sink, i.e. what this machine's interrupts, clock reads and
/// memory give any code of that size.
/// </summary>
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 0, iterationCount: 1, invocationCount: 1)]
public class SinkLatencyDistribution
{
    private const int Burst = 20;
    private static readonly double s_nsPerTick = 1e9 / Stopwatch.Frequency;
    private static SinkOrder s_floor;

    [Benchmark]
    public void Distribution()
    {
        string directory = Path.Combine(Path.GetTempPath(), "pqflow-lat-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var sink = new LogSink(SinkOrder.Layout, new LogSinkOptions
            {
                FilePattern = Path.Combine(directory, "lat-{seq}.parquet"),
                RingCapacityBytes = 1 << 26,
                MaxRowsPerFile = 50_000_000,
                WriterCpu = Environment.ProcessorCount > 1 ? 1 : null,
            });

            // As the C++ loggers' benchmarks do: the hot thread and the writer on CPUs of their own.
            bool pinned = Environment.ProcessorCount > 1 && ThreadAffinity.TryPinCurrentThread(0);
            long next = 0;
            Measure(sink, ref next, TimeSpan.FromSeconds(2), null);
            int gcsBefore = GC.CollectionCount(0);
            (LongHistogram burst, LongHistogram single, long dropped) running = Measure(sink, ref next, TimeSpan.FromSeconds(10), null);
            int gcs = GC.CollectionCount(0);
            (LongHistogram burst, LongHistogram single, long dropped) paused = Measure(sink, ref next, TimeSpan.FromSeconds(10), sink);
            (LongHistogram burst, LongHistogram single, long dropped) floor = Measure(null, ref next, TimeSpan.FromSeconds(10), null);
            Console.WriteLine($"// producer pinned to CPU 0: {pinned}; writer pinned to CPU 1: {sink.Statistics.LastError is null}; gen0 GCs while running: {gcs - gcsBefore}, while paused: {GC.CollectionCount(0) - gcs}");
            Console.WriteLine("// phase | method | p50 | p90 | p99 | p99.9 | p99.99 | max | dropped");
            Print("writer running", running);
            Print("writer paused 10 s", paused);
            Print("floor: record copied, no sink", floor);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>With <paramref name="sink"/> null, the floor: the same loop and clock reads, the record copied to a static field instead of logged.</summary>
    private static (LongHistogram Burst, LongHistogram Single, long Dropped) Measure(LogSink? sink, ref long next, TimeSpan duration, LogSink? pause)
    {
        // Values in tenths of a nanosecond, up to 10 ms.
        var burst = new LongHistogram(100_000_000, 3);
        var single = new LongHistogram(100_000_000, 3);
        long droppedBefore = sink?.Statistics.Dropped ?? 0;
        pause?.PauseWriter(true);
        var orders = new SinkOrder[Burst];
        long end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long interval = Stopwatch.Frequency * Burst / 2_000_000;
        long due = Stopwatch.GetTimestamp();
        int round = 0;
        while (true)
        {
            long now;
            while ((now = Stopwatch.GetTimestamp()) < due)
            {
            }

            if (now >= end)
            {
                break;
            }

            due += interval;
            if ((++round & 1) == 0)
            {
                // The records exist before the calls are timed, as the arguments of a log statement do.
                for (int i = 0; i < Burst; i++)
                {
                    orders[i] = SinkOrder.Make(next++);
                }

                long t0 = Stopwatch.GetTimestamp();
                for (int i = 0; i < Burst; i++)
                {
                    Log(sink, in orders[i]);
                }

                long t1 = Stopwatch.GetTimestamp();
                burst.RecordValue((long)((t1 - t0) * s_nsPerTick * 10 / Burst));
            }
            else
            {
                for (int i = 0; i < Burst; i++)
                {
                    SinkOrder order = SinkOrder.Make(next++);
                    long t0 = Stopwatch.GetTimestamp();
                    Log(sink, in order);
                    long t1 = Stopwatch.GetTimestamp();
                    single.RecordValue((long)((t1 - t0) * s_nsPerTick * 10));
                }
            }
        }

        pause?.PauseWriter(false);
        return (burst, single, (sink?.Statistics.Dropped ?? 0) - droppedBefore);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Log(LogSink? sink, in SinkOrder order)
    {
        if (sink is null)
        {
            s_floor = order;
        }
        else
        {
            sink.TryLog(in order);
        }
    }

    private static void Print(string phase, (LongHistogram Burst, LongHistogram Single, long Dropped) r)
    {
        static string P(LongHistogram h, double p) => (h.GetValueAtPercentile(p) / 10.0).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
        foreach ((string name, LongHistogram h) in new[] { ("mean of 20 calls", r.Burst), ("single call", r.Single) })
        {
            Console.WriteLine($"// | {phase} | {name} | {P(h, 50)} | {P(h, 90)} | {P(h, 99)} | {P(h, 99.9)} | {P(h, 99.99)} | {h.GetMaxValue() / 10.0:F1} | {r.Dropped:N0} |");
        }
    }
}
