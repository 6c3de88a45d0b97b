using System.Runtime.CompilerServices;

namespace ParquetFlow.Sink;

/// <summary>
/// A <see cref="RecordRing"/> any number of producer threads may write to at once: each claims its slots with one
/// compare-and-swap on the tail and publishes its record by its header, so the consumer reads records in claim order.
/// </summary>
public sealed class MpscRing : RecordRing
{
    private PaddedCursor _logged;
    private PaddedCursor _dropped;

    /// <summary>Allocates a ring of <paramref name="capacityBytes"/> bytes (a power of two, at least 256).</summary>
    public MpscRing(int capacityBytes, RingFullMode fullMode = RingFullMode.Drop)
        : base(capacityBytes, fullMode)
    {
    }

    /// <inheritdoc/>
    public override long Logged => Volatile.Read(ref _logged.Value);

    /// <inheritdoc/>
    public override long Dropped => Volatile.Read(ref _dropped.Value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override LogResult TryWrite(ReadOnlySpan<byte> record)
    {
        if (!IsValidLength(record.Length))
        {
            return LogResult.Invalid;
        }

        long slots = SlotsFor(record.Length);
        long tail = Volatile.Read(ref TailCursor);
        var spin = default(SpinWait);
        while (true)
        {
            long claim = ClaimSize(tail, slots, out long padding);
            if (!Fits(tail, claim, Volatile.Read(ref HeadCursor)))
            {
                if (FullMode == RingFullMode.Drop)
                {
                    Interlocked.Increment(ref _dropped.Value);
                    return LogResult.Full;
                }

                if (spin.Count == 0)
                {
                    ConsumerWake?.Set();
                }

                spin.SpinOnce();
                tail = Volatile.Read(ref TailCursor);
                continue;
            }

            long seen = Interlocked.CompareExchange(ref TailCursor, tail + claim, tail);
            if (seen == tail)
            {
                Publish(tail, padding, record);
                Interlocked.Increment(ref _logged.Value);
                return LogResult.Ok;
            }

            tail = seen;
        }
    }
}
