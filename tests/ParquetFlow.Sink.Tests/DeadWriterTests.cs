using ParquetFlow.Durability.Faults;
using ParquetFlow.Sink.TestProcess;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Sink.Tests;

/// <summary>
/// A sink whose writer thread died (here: a bug, an unexpected exception thrown while it writes) closes its ring, so
/// producers fail at once with <see cref="LogResult.Io"/> instead of waiting forever (<see cref="RingFullMode.Wait"/>)
/// or logging into a ring that nothing reads again; every later flush says the writer died. Records and column batches
/// alike.
/// </summary>
public sealed class DeadWriterTests
{
    /// <summary>Column batches of this many rows (<see cref="LogSink.TryLogColumns"/>): each spans row groups of 16.</summary>
    private const int BatchRows = 100;

    [Theory]
    [InlineData(RingFullMode.Wait, false, false)]
    [InlineData(RingFullMode.Wait, true, false)]
    [InlineData(RingFullMode.Drop, false, false)]
    [InlineData(RingFullMode.Drop, true, false)]
    [InlineData(RingFullMode.Wait, false, true)]
    [InlineData(RingFullMode.Wait, true, true)]
    [InlineData(RingFullMode.Drop, false, true)]
    [InlineData(RingFullMode.Drop, true, true)]
    public async Task Producers_get_an_io_error_at_once_when_the_writer_thread_has_died(RingFullMode mode, bool multiProducer, bool columns)
    {
        using var t = new TestSupport();
        bool armed = false;
        FaultyStorage faults = TestSupport.BuggyWrites(() => Volatile.Read(ref armed));
        var options = new LogSinkOptions
        {
            FilePattern = t.PathOf("dead-{seq}.parquet"),
            RingCapacityBytes = 1 << 14, // 256 slots: a waiting producer fills it at once
            MultiProducer = multiProducer,
            FullMode = mode,
            RowGroupRows = 16,
            RowGroupTimeout = TimeSpan.FromMilliseconds(10),
            Storage = faults,
        };
        using var sink = new LogSink(columns ? OrderColumns.Layout : MarketOrder.Layout, options);
        var batch = new OrderColumns(BatchRows);
        LogResult Log(long i)
        {
            if (columns)
            {
                return batch.Log(sink, i, BatchRows);
            }

            MarketOrder order = MarketOrder.Make(i);
            return sink.TryLog(in order);
        }

        Volatile.Write(ref armed, true);

        // Log until the sink refuses: the first row group's write kills the writer. Had the producer waited forever, the
        // task would not end; the generous bound only turns such a hang into a failure.
        Task<(LogResult Result, long Ok)> producer = Task.Run(() =>
        {
            long ok = 0;
            for (long i = 0; ; i++)
            {
                LogResult result = Log(i);
                if (result == LogResult.Ok)
                {
                    ok += columns ? BatchRows : 1;
                    continue;
                }

                if (result == LogResult.Full)
                {
                    Thread.Sleep(1); // Drop mode before the death: the writer has not drained yet
                    continue;
                }

                return (result, ok);
            }
        });
        Task finished = await Task.WhenAny(producer, Task.Delay(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken));
        Assert.True(finished == producer, "the producer never returned: it waits on a ring nobody drains");
        (LogResult first, long logged) = await producer;
        Assert.Equal(LogResult.Io, first);
        Assert.True(logged >= options.RowGroupRows, $"only {logged} records were logged before the writer died");

        // From now on every call fails at once, and so does every flush.
        for (int i = 0; i < 1_000; i++)
        {
            Assert.Equal(LogResult.Io, Log(i));
        }

        IOException flush = Assert.Throws<IOException>(sink.Flush);
        Assert.Contains("writer thread died", flush.Message, StringComparison.Ordinal);
        Assert.Contains("injected: a bug in the writer", flush.Message, StringComparison.Ordinal);
        Assert.True(sink.Ring.IsClosed);
    }
}
