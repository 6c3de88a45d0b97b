using System.Runtime.CompilerServices;

namespace ParquetFlow.Sink;

/// <summary>
/// A <see cref="RecordRing"/> for exactly one producer thread: claiming room is a plain store, no atomic
/// instruction. Calling <see cref="TryWrite"/> from two threads at once corrupts the ring; use <see cref="MpscRing"/> then.
/// </summary>
public sealed class SpscRing : RecordRing
{
    private long _cachedHead;
    private long _logged;
    private long _dropped;

    /// <summary>Allocates a ring of <paramref name="capacityBytes"/> bytes (a power of two, at least 256).</summary>
    public SpscRing(int capacityBytes, RingFullMode fullMode = RingFullMode.Drop)
        : base(capacityBytes, fullMode)
    {
    }

    /// <inheritdoc/>
    public override long Logged => Volatile.Read(ref _logged);

    /// <inheritdoc/>
    public override long Dropped => Volatile.Read(ref _dropped);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override LogResult TryWrite(ReadOnlySpan<byte> record)
    {
        if (!IsValidLength(record.Length))
        {
            return LogResult.Invalid;
        }

        long tail = TailCursor;
        long claim = ClaimSize(tail, SlotsFor(record.Length), out long padding);
        if (!Fits(tail, claim, _cachedHead))
        {
            _cachedHead = Volatile.Read(ref HeadCursor);
            if (!Fits(tail, claim, _cachedHead))
            {
                if (FullMode == RingFullMode.Drop)
                {
                    Volatile.Write(ref _dropped, _dropped + 1);
                    return LogResult.Full;
                }

                WaitForRoom(tail, claim);
            }
        }

        Publish(tail, padding, record);
        Volatile.Write(ref TailCursor, tail + claim);
        Volatile.Write(ref _logged, _logged + 1);
        return LogResult.Ok;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WaitForRoom(long tail, long claim)
    {
        ConsumerWake?.Set();
        var spin = default(SpinWait);
        while (!Fits(tail, claim, _cachedHead = Volatile.Read(ref HeadCursor)))
        {
            spin.SpinOnce();
        }
    }
}
