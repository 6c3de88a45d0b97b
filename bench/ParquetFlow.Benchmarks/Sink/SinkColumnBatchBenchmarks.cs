using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using ParquetFlow.Collector.Output;
using ParquetFlow.Sink;

namespace ParquetFlow.Benchmarks.Sink;

/// <summary>
/// A collector packet of 100 registers into a <see cref="LogSink"/> of the collector's layout, two ways: one 28-byte
/// record per register through <c>TryLog</c> (what <c>ParquetOutput.Write</c> did), or the packet as one column batch
/// through <c>TryLogColumns</c> (time, source and sequence repeated, offsets and values as ushort spans). The ring
/// waits when full (the collector's mode), so the time per packet is the sustained cost with the writer thread turning
/// every row into Parquet on the other core: rows/s = 100 / mean. Default profile, snappy, durable row groups.
/// </summary>
[MemoryDiagnoser]
public class SinkColumnBatchBenchmarks
{
    private const int Registers = 100;
    private readonly ushort[] _offsets = new ushort[Registers];
    private readonly ushort[] _values = new ushort[Registers];
    private readonly ColumnValues[] _columns = new ColumnValues[6];
    private string _directory = "";
    private LogSink? _sink;
    private long _packet;

    /// <summary>The collector's sinks are multi-producer (one per partition, any connection's thread logs).</summary>
    [Params(true, false)]
    public bool MultiProducer { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "pqflow-bench-" + Guid.NewGuid().ToString("N"));
        _sink = new LogSink(ParquetOutput.Layout, new LogSinkOptions
        {
            FilePattern = Path.Combine(_directory, "packets-{seq}.parquet"),
            RingCapacityBytes = 1 << 20,
            MultiProducer = MultiProducer,
            FullMode = RingFullMode.Wait,
            MaxRowsPerFile = 50_000_000,
        });
        for (int i = 0; i < Registers; i++)
        {
            _offsets[i] = (ushort)(i * 7);
            _values[i] = (ushort)(i * 31);
        }
    }

    [Benchmark(Baseline = true, Description = "per-row TryLog")]
    public int PerRow()
    {
        long packet = _packet++;
        long time = 1_700_000_000_000_000 + packet;
        int seq = (int)(packet & 0xFF);
        int ok = 0;
        for (int i = 0; i < Registers; i++)
        {
            var row = new PacketRow(time, 1, 5, seq, _offsets[i], _values[i]);
            ok += _sink!.TryLog(in row) == LogResult.Ok ? 1 : 0;
        }

        return ok;
    }

    [Benchmark(Description = "TryLogColumns")]
    public LogResult Columns()
    {
        long packet = _packet++;
        ColumnValues[] columns = _columns;
        columns[0] = ColumnValues.Repeated(1_700_000_000_000_000 + packet);
        columns[1] = ColumnValues.Repeated(1);
        columns[2] = ColumnValues.Repeated(5);
        columns[3] = ColumnValues.Repeated((int)(packet & 0xFF));
        columns[4] = ColumnValues.Dense<ushort>(_offsets);
        columns[5] = ColumnValues.Dense<ushort>(_values);
        return _sink!.TryLogColumns(Registers, columns);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sink!.Flush();
        LogSinkStatistics s = _sink.Statistics;
        Console.WriteLine($"// rows logged {s.Logged:N0}, written {s.Written:N0}, dropped {s.Dropped:N0}, row groups {s.RowGroups:N0}");
        _sink.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>One register as the collector's record was: time, source type, source id, sequence, offset, value.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    private readonly record struct PacketRow(long TimeUs, int SourceType, int SourceId, int Seq, int Offset, int Value);
}
