using System.Runtime.InteropServices;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;
using PS = ParquetSharp;

namespace ParquetFlow.Benchmarks.Sink;

/// <summary>
/// 10 M market records logged by producer thread(s) to a finished Parquet file (the time runs until the file is
/// complete): the LogSink (SPSC; MPSC with 2 producers), against what a C# user would build by hand, a bounded
/// <c>System.Threading.Channels</c> queue feeding ParquetSharp's column writers from a consumer thread. No record is
/// dropped (producers wait when full). Records/s = 10 M / mean. The sink runs with both writer profiles; the
/// baseline does not depend on the profile, so its two runs per codec show the run-to-run spread.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class SinkEndToEndBenchmarks
{
    private const long Records = 10_000_000;
    private const int RowGroupRows = 65_536;
    private string _directory = "";

    [Params(CompressionCodec.Uncompressed, CompressionCodec.Snappy, CompressionCodec.Zstd)]
    public CompressionCodec Codec { get; set; }

    [Params(ParquetProfile.Compatible, ParquetProfile.Compact)]
    public ParquetProfile Profile { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "pqflow-e2e-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [IterationCleanup]
    public void DeleteFiles()
    {
        foreach (string file in Directory.GetFiles(_directory))
        {
            File.Delete(file);
        }
    }

    [Benchmark(Baseline = true)]
    public long ChannelsPlusParquetSharp()
    {
        Channel<SinkOrder> channel = Channel.CreateBounded<SinkOrder>(new BoundedChannelOptions(RowGroupRows) { SingleReader = true, SingleWriter = true });
        var consumer = new Thread(() => ConsumeIntoParquetSharp(channel.Reader, Path.Combine(_directory, "ps.parquet"), Codec));
        consumer.Start();
        ChannelWriter<SinkOrder> writer = channel.Writer;
        for (long i = 0; i < Records; i++)
        {
            SinkOrder order = SinkOrder.Make(i);
            if (!writer.TryWrite(order))
            {
                writer.WriteAsync(order).AsTask().GetAwaiter().GetResult();
            }
        }

        writer.Complete();
        consumer.Join();
        return Records;
    }

    [Benchmark]
    public long LogSinkSpsc() => RunSink(producers: 1);

    [Benchmark]
    public long LogSinkMpsc2Producers() => RunSink(producers: 2);

    private long RunSink(int producers)
    {
        var options = new LogSinkOptions
        {
            FilePattern = Path.Combine(_directory, "sink-{seq}.parquet"),
            RingCapacityBytes = 1 << 26,
            RowGroupRows = RowGroupRows,
            MultiProducer = producers > 1,
            FullMode = RingFullMode.Wait,
            Compression = Codec,
            CompressionLevel = Codec == CompressionCodec.Zstd ? 1 : 0,
            Profile = Profile,
        };
        using (var sink = new LogSink(SinkOrder.Layout, options))
        {
            if (producers == 1)
            {
                Produce(sink, 0, Records);
            }
            else
            {
                var threads = new Thread[producers];
                long share = Records / producers;
                for (int p = 0; p < producers; p++)
                {
                    long start = p * share;
                    threads[p] = new Thread(() => Produce(sink, start, share));
                    threads[p].Start();
                }

                foreach (Thread t in threads)
                {
                    t.Join();
                }
            }

            if (sink.Statistics.Dropped != 0)
            {
                throw new InvalidOperationException("records were dropped");
            }
        }

        return Records;
    }

    private static void Produce(LogSink sink, long start, long count)
    {
        for (long i = start; i < start + count; i++)
        {
            SinkOrder order = SinkOrder.Make(i);
            sink.TryLog(in order);
        }
    }

    private static void ConsumeIntoParquetSharp(ChannelReader<SinkOrder> reader, string path, CompressionCodec codec)
    {
        PS.Compression compression = codec switch
        {
            CompressionCodec.Snappy => PS.Compression.Snappy,
            CompressionCodec.Zstd => PS.Compression.Zstd,
            _ => PS.Compression.Uncompressed,
        };
        var builder = new PS.WriterPropertiesBuilder().Compression(compression).DisableDictionary().EnableDictionary("symbol");
        if (codec == CompressionCodec.Zstd)
        {
            builder.CompressionLevel(1);
        }

        using PS.WriterProperties properties = builder.Build();
        PS.Schema.Node[] nodes =
        [
            new PS.Schema.PrimitiveNode("timestamp_ns", PS.Repetition.Required, PS.LogicalType.Timestamp(true, PS.TimeUnit.Nanos), PS.PhysicalType.Int64),
            new PS.Schema.PrimitiveNode("symbol", PS.Repetition.Required, PS.LogicalType.String(), PS.PhysicalType.ByteArray),
            new PS.Schema.PrimitiveNode("order_id", PS.Repetition.Required, PS.LogicalType.None(), PS.PhysicalType.Int64),
            new PS.Schema.PrimitiveNode("side", PS.Repetition.Required, PS.LogicalType.None(), PS.PhysicalType.Int32),
            new PS.Schema.PrimitiveNode("price", PS.Repetition.Required, PS.LogicalType.None(), PS.PhysicalType.Int64),
            new PS.Schema.PrimitiveNode("quantity", PS.Repetition.Required, PS.LogicalType.None(), PS.PhysicalType.Int64),
            new PS.Schema.PrimitiveNode("order_type", PS.Repetition.Required, PS.LogicalType.None(), PS.PhysicalType.Int32),
            new PS.Schema.PrimitiveNode("exchange", PS.Repetition.Required, PS.LogicalType.None(), PS.PhysicalType.Int32),
        ];
        using var schema = new PS.Schema.GroupNode("schema", PS.Repetition.Required, nodes);
        using var file = new PS.ParquetFileWriter(path, schema, properties);
        long[] ts = new long[RowGroupRows], id = new long[RowGroupRows], price = new long[RowGroupRows], qty = new long[RowGroupRows];
        int[] side = new int[RowGroupRows], type = new int[RowGroupRows], exchange = new int[RowGroupRows];
        ulong[] symbols = GC.AllocateArray<ulong>(RowGroupRows, pinned: true);
        var symbolArrays = new PS.ByteArray[RowGroupRows];
        nint symbolBase = Marshal.UnsafeAddrOfPinnedArrayElement(symbols, 0);
        int n = 0;
        while (true)
        {
            bool more = reader.TryRead(out SinkOrder o) || (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult() && reader.TryRead(out o));
            if (more)
            {
                ts[n] = o.TimestampNs;
                symbols[n] = o.Symbol;
                id[n] = o.OrderId;
                side[n] = o.Side;
                price[n] = o.Price;
                qty[n] = o.Quantity;
                type[n] = o.OrderType;
                exchange[n] = o.Exchange;
                n++;
            }

            if (n == RowGroupRows || (!more && n > 0))
            {
                for (int i = 0; i < n; i++)
                {
                    int length = 8 - (System.Numerics.BitOperations.LeadingZeroCount(symbols[i]) / 8);
                    symbolArrays[i] = new PS.ByteArray(symbolBase + (i * 8), length);
                }

                using PS.RowGroupWriter rg = file.AppendRowGroup();
                Write(rg, ts, n);
                using (var w = (PS.ColumnWriter<PS.ByteArray>)rg.NextColumn())
                {
                    w.WriteBatch(symbolArrays.AsSpan(0, n));
                }

                Write(rg, id, n);
                Write(rg, side, n);
                Write(rg, price, n);
                Write(rg, qty, n);
                Write(rg, type, n);
                Write(rg, exchange, n);
                n = 0;
            }

            if (!more)
            {
                break;
            }
        }

        file.Close();
    }

    private static void Write<T>(PS.RowGroupWriter rg, T[] values, int n)
        where T : unmanaged
    {
        using var w = (PS.ColumnWriter<T>)rg.NextColumn();
        w.WriteBatch(values.AsSpan(0, n));
    }
}
