using ParquetFlow.Durability;
using ParquetFlow.Durability.Faults;
using ParquetFlow.Sink.TestProcess;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Sink.Tests;

/// <summary>
/// <see cref="LogSink.WaitForRoomAsync"/>: the wait of a producer that must not spin its thread (the collector's async
/// connections). It completes at once while the ring has room, stays pending while it is more than half full, is woken
/// by the writer's drain, and fails at once when nothing will ever make room.
/// </summary>
public sealed class WaitForRoomTests
{
    private static LogSinkOptions Options(TestSupport t, Storage? storage = null) => new()
    {
        FilePattern = t.PathOf("room-{seq}.parquet"),
        RingCapacityBytes = 1 << 14, // 256 slots of 64 bytes: one record each
        MultiProducer = true,
        FullMode = RingFullMode.Drop,
        RowGroupRows = 64,
        RowGroupTimeout = TimeSpan.FromMilliseconds(10),
        Storage = storage ?? Storage.Default,
    };

    /// <summary>Logs records until the ring refuses one; returns how many it took.</summary>
    private static int Fill(LogSink sink)
    {
        int logged = 0;
        while (true)
        {
            MarketOrder order = MarketOrder.Make(logged);
            if (sink.TryLog(in order) != LogResult.Ok)
            {
                return logged;
            }

            logged++;
        }
    }

    [Fact]
    public void Completes_at_once_while_the_ring_has_room()
    {
        using var t = new TestSupport();
        using var sink = new LogSink(MarketOrder.Layout, Options(t));
        Assert.True(sink.WaitForRoomAsync(TestContext.Current.CancellationToken).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Waits_while_the_ring_is_full_and_wakes_when_the_writer_drains()
    {
        using var t = new TestSupport();
        using var sink = new LogSink(MarketOrder.Layout, Options(t));
        sink.PauseWriter(true);
        int logged = Fill(sink);
        Assert.True(logged > 128, $"only {logged} records filled the ring");

        ValueTask room = sink.WaitForRoomAsync(TestContext.Current.CancellationToken);
        Assert.False(room.IsCompleted, "the wait completed while the ring was full");
        Task waiting = room.AsTask();
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted, "the wait completed while nothing drained the ring");

        sink.PauseWriter(false);
        Task finished = await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken));
        Assert.Same(waiting, finished);
        await waiting;
        Assert.True(sink.Ring.IsAtMostHalfFull);

        // Nothing was lost on the way: every record logged before the wait is written.
        sink.Flush();
        Assert.Equal(logged, sink.Statistics.Written);
    }

    [Fact]
    public async Task A_cancelled_wait_throws_and_leaves_the_sink_working()
    {
        using var t = new TestSupport();
        using var sink = new LogSink(MarketOrder.Layout, Options(t));
        sink.PauseWriter(true);
        int logged = Fill(sink);
        using var cancel = new CancellationTokenSource();
        Task waiting = sink.WaitForRoomAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        sink.PauseWriter(false);
        await sink.WaitForRoomAsync(TestContext.Current.CancellationToken);
        sink.Flush();
        Assert.Equal(logged, sink.Statistics.Written);
    }

    [Fact]
    public async Task A_dead_writer_fails_the_waiters_at_once()
    {
        using var t = new TestSupport();
        bool armed = false;
        FaultyStorage faults = TestSupport.BuggyWrites(() => Volatile.Read(ref armed));
        using var sink = new LogSink(MarketOrder.Layout, Options(t, faults));
        sink.PauseWriter(true);
        Fill(sink);
        Task waiting = sink.WaitForRoomAsync(TestContext.Current.CancellationToken).AsTask();
        Assert.False(waiting.IsCompleted);

        // The writer's first row-group write throws: the thread dies with the ring still more than half full.
        Volatile.Write(ref armed, true);
        sink.PauseWriter(false);
        Task finished = await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken));
        Assert.Same(waiting, finished);
        IOException e = await Assert.ThrowsAsync<IOException>(() => waiting);
        Assert.Contains("writer thread died", e.Message, StringComparison.Ordinal);

        // And every later wait fails at once too.
        await Assert.ThrowsAsync<IOException>(() => sink.WaitForRoomAsync(TestContext.Current.CancellationToken).AsTask());
    }

    [Fact]
    public async Task A_wait_on_a_disposed_sink_throws()
    {
        using var t = new TestSupport();
        var sink = new LogSink(MarketOrder.Layout, Options(t));
        sink.PauseWriter(true);
        Fill(sink);
        Task waiting = sink.WaitForRoomAsync(TestContext.Current.CancellationToken).AsTask();
        sink.Dispose(); // drains everything, then stops: the waiter wakes with room or sees the sink gone
        Task finished = await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken));
        Assert.Same(waiting, finished);
        Assert.False(waiting.IsFaulted && waiting.Exception!.InnerException is not ObjectDisposedException, waiting.Exception?.ToString());
    }
}
