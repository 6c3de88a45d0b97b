namespace ParquetFlow.Collector.Server;

/// <summary>
/// The deadline of one connection's reads: one timer of the server's <see cref="TimeProvider"/>, armed before each
/// read and disarmed after it, so a read costs no allocation; cancels the token it hands out when the time is up, and
/// together with the server's stop token. Used by one connection's loop only (not thread-safe).
/// </summary>
internal sealed class ReadDeadline : IDisposable
{
    private readonly TimeProvider _clock;
    private readonly CancellationToken _stopping;
    private CancellationTokenSource _expired = new();
    private CancellationTokenSource _either;
    private ITimer _timer;

    public ReadDeadline(TimeProvider clock, CancellationToken stopping)
    {
        _clock = clock;
        _stopping = stopping;
        (_either, _timer) = Create(_expired);
    }

    /// <summary>Starts the timer; the token is cancelled <paramref name="after"/> from now, or when the server stops.</summary>
    public CancellationToken Arm(TimeSpan after)
    {
        _timer.Change(after, Timeout.InfiniteTimeSpan);
        return _either.Token;
    }

    /// <summary>Stops the timer (the read completed in time).</summary>
    public void Disarm() => _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    /// <summary>After the timer fired: a fresh token for the next read (a cancelled source cannot be reset).</summary>
    public void Renew()
    {
        Dispose();
        _expired = new CancellationTokenSource();
        (_either, _timer) = Create(_expired);
    }

    public void Dispose()
    {
        _timer.Dispose();
        _either.Dispose();
        _expired.Dispose();
    }

    private (CancellationTokenSource Either, ITimer Timer) Create(CancellationTokenSource expired) =>
        (CancellationTokenSource.CreateLinkedTokenSource(_stopping, expired.Token),
         _clock.CreateTimer(Expire, expired, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));

    private static void Expire(object? state)
    {
        try
        {
            ((CancellationTokenSource)state!).Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Fired while the connection was renewing or closing: nothing waits on it any more.
        }
    }
}
