// Producer publish cost of a 64-byte SharedRing row with no consumer attached (the cross-process figures, with
// consumers and against a Unix socket, come from the end-to-end harness `pqflow bench shm`).
using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using ParquetFlow.Ipc;

namespace ParquetFlow.Benchmarks.Ipc;

[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class SharedRingPublishBenchmark
{
    private const int Rows = 1000;
    private SharedRingProducer _producer = null!;
    private string _name = null!;

    [GlobalSetup]
    public void Setup()
    {
        _name = $"bdn-{Environment.ProcessId}";
        SharedRing.Remove(_name);
        var builder = new SharedRingBuilder(_name).Rows(1 << 16).Column("ts", SharedColumnType.TimestampNs).Column("seq", SharedColumnType.U64);
        for (int i = 0; i < 5; i++)
        {
            builder.Column($"v{i}", SharedColumnType.F64);
        }

        _producer = builder.CreateProducer();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _producer.Dispose();
        SharedRing.Remove(_name);
    }

    /// <summary>BeginRow, fill the 56 column bytes in place, PublishRow.</summary>
    [Benchmark(OperationsPerInvoke = Rows)]
    public void Publish64ByteRow()
    {
        SharedRingProducer producer = _producer;
        for (int i = 0; i < Rows; i++)
        {
            Span<byte> row = producer.BeginRow();
            BinaryPrimitives.WriteInt64LittleEndian(row[8..], i);
            BinaryPrimitives.WriteInt64LittleEndian(row[16..], i);
            row.Slice(24, 40).Clear();
            producer.PublishRow();
        }
    }
}
