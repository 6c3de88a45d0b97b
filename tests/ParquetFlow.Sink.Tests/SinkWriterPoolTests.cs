using ParquetFlow.Durability;
using ParquetFlow.Sink.TestProcess;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Sink.Tests;

/// <summary>
/// <see cref="SinkWriterPool"/>: many sinks written by a few shared threads, with the same promises as a sink's own
/// thread (every record written, flush means durable, dispose completes the file), and one sink's failure its own.
/// </summary>
public sealed class SinkWriterPoolTests
{
    private static LogSinkOptions Options(TestSupport t, string name, SinkWriterPool pool, Storage? storage = null) => new()
    {
        FilePattern = t.PathOf(name + "-{seq}.parquet"),
        RingCapacityBytes = 1 << 14,
        FullMode = RingFullMode.Wait,
        RowGroupRows = 500,
        RowGroupTimeout = TimeSpan.FromMilliseconds(50),
        WriterPool = pool,
        Storage = storage ?? Storage.Default,
    };

    [Fact]
    public void Fifty_sinks_on_two_threads_write_every_record_flush_and_complete_their_files()
    {
        using var t = new TestSupport();
        using var pool = new SinkWriterPool(threads: 2);
        const int Sinks = 50;
        const int Records = 3_000;
        var sinks = Enumerable.Range(0, Sinks).Select(i => new LogSink(MarketOrder.Layout, Options(t, $"s{i:00}", pool))).ToArray();
        Assert.Equal(Sinks, pool.Sinks);

        // One producer per sink, all at once: the rings (256 slots) fill many times over, so producers wait for the
        // pool's threads to drain them.
        Parallel.For(0, Sinks, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            for (int r = 0; r < Records; r++)
            {
                MarketOrder order = MarketOrder.Make(r);
                Assert.Equal(LogResult.Ok, sinks[i].TryLog(in order));
            }

            sinks[i].Flush();
        });

        foreach (LogSink sink in sinks)
        {
            Assert.Equal(Records, sink.Statistics.Written);
            sink.Dispose();
        }

        Assert.Equal(0, pool.Sinks);
        for (int i = 0; i < Sinks; i++)
        {
            string[] files = [.. Directory.GetFiles(t.Directory, $"s{i:00}-*.parquet")];
            Assert.Equal((long)Records, TestSupport.Scalar("SELECT count(*) FROM read_parquet({f})", files));
            Assert.Equal((long)Records * (Records - 1) / 2, TestSupport.Scalar("SELECT sum(order_id)::BIGINT FROM read_parquet({f})", files));
        }

        Assert.Empty(Directory.GetFiles(t.Directory, "*.inprogress*"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_buffer_budget_bounds_what_the_sinks_hold_by_writing_the_largest_row_groups_early(bool budget)
    {
        // Eight sinks each take a burst of 20,000 rows with row groups of 65,536 rows due in an hour: without a budget
        // every row waits in memory; with 128 KiB for all of them, the sinks past their 16 KiB share write their rows
        // as row groups at once and let their buffers go, and every row still reaches the file.
        using var t = new TestSupport();
        const int Sinks = 8;
        const int Batches = 50;
        const int Rows = 400;
        const long Budget = 128 << 10;
        var layout = new RecordLayout(RecordField.Int64("time"), RecordField.Int32("offset", logicalType: ParquetFlow.Parquet.LogicalType.Integer(16, false)), RecordField.Int32("value", logicalType: ParquetFlow.Parquet.LogicalType.Integer(16, false)));
        var pool = new SinkWriterPool(threads: 2) { BufferBudgetBytes = budget ? Budget : long.MaxValue };
        var sinks = Enumerable.Range(0, Sinks).Select(i => new LogSink(layout, Options(t, $"b{i}", pool) with { RowGroupRows = 65_536, RowGroupTimeout = TimeSpan.FromHours(1), RingCapacityBytes = 1 << 15 })).ToArray();
        ushort[] offsets = [.. Enumerable.Range(0, Rows).Select(i => (ushort)i)];
        for (int b = 0; b < Batches; b++)
        {
            foreach (LogSink sink in sinks)
            {
                Assert.Equal(LogResult.Ok, sink.TryLogColumns(Rows, [ColumnValues.Repeated((long)b), ColumnValues.Dense<ushort>(offsets), ColumnValues.Dense<ushort>(offsets)]));
            }
        }

        // The writers take the rings' last entries within a few passes; then what the sinks hold stands still.
        long held = -1;
        for (int i = 0, still = 0; i < 1_000 && still < 10; i++)
        {
            long now = pool.BufferedBytes;
            still = now == held ? still + 1 : 0;
            held = now;
            await Task.Delay(20);
        }

        long early = sinks.Sum(s => s.RowGroupsForBudget);
        if (budget)
        {
            Assert.True(held <= Budget, $"the sinks hold {held:N0} bytes, past the budget of {Budget:N0}");
            Assert.True(early > 0, "no row group was written for the budget");
        }
        else
        {
            Assert.True(held > Sinks * Batches * Rows * 4L, $"without a budget the sinks hold {held:N0} bytes");
            Assert.Equal(0, early);
        }

        foreach (LogSink sink in sinks)
        {
            sink.Dispose();
        }

        Assert.Equal(0, pool.BufferedBytes);
        pool.Dispose();
        string[] files = Directory.GetFiles(t.Directory, "b*.parquet");
        Assert.Equal((long)Sinks * Batches * Rows, TestSupport.Scalar("SELECT count(*) FROM read_parquet({f}) WHERE \"offset\" = value", files));
    }

    [Fact]
    public void A_sink_whose_writer_dies_stops_alone_and_the_others_on_its_thread_go_on()
    {
        using var t = new TestSupport();
        using var pool = new SinkWriterPool(threads: 1);
        bool armed = false;
        using var doomed = new LogSink(MarketOrder.Layout, Options(t, "doomed", pool, TestSupport.BuggyWrites(() => Volatile.Read(ref armed))));
        using var healthy = new LogSink(MarketOrder.Layout, Options(t, "healthy", pool));
        Volatile.Write(ref armed, true);

        LogResult result = LogResult.Ok;
        for (int i = 0; result == LogResult.Ok && i < 1_000_000; i++)
        {
            MarketOrder order = MarketOrder.Make(i);
            result = doomed.TryLog(in order);
        }

        Assert.Equal(LogResult.Io, result);
        IOException flush = Assert.Throws<IOException>(doomed.Flush);
        Assert.Contains("writer thread died", flush.Message, StringComparison.Ordinal);

        for (int i = 0; i < 2_000; i++)
        {
            MarketOrder order = MarketOrder.Make(i);
            Assert.Equal(LogResult.Ok, healthy.TryLog(in order));
        }

        healthy.Flush();
        Assert.Equal(2_000, healthy.Statistics.Written);
        Assert.Equal(1, pool.Sinks);
    }

    [Fact]
    public void The_pool_refuses_to_stop_under_open_sinks_and_a_pooled_sink_cannot_pin_a_cpu()
    {
        using var t = new TestSupport();
        var pool = new SinkWriterPool(threads: 1);
        var sink = new LogSink(MarketOrder.Layout, Options(t, "open", pool));
        Assert.Throws<InvalidOperationException>(pool.Dispose);
        sink.Dispose();
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => new LogSink(MarketOrder.Layout, Options(t, "late", pool)));
        Assert.Throws<ArgumentException>(() => new LogSink(MarketOrder.Layout, Options(t, "pinned", new SinkWriterPool(1)) with { WriterCpu = 0 }));
    }
}
