using System.Runtime.CompilerServices;

namespace ParquetFlow.Sink;

/// <summary>
/// A <see cref="RecordRing"/> any number of producer threads may write to at once: each claims its slots with one
/// compare-and-swap on the tail and publishes its record by its header, so the consumer reads records in claim order.
/// A column-batch entry is claimed the same way: one compare-and-swap for all of its rows.
/// </summary>
public sealed unsafe class MpscRing : RecordRing
{
    /// <summary>Allocates a ring of <paramref name="capacityBytes"/> bytes (a power of two, at least 256).</summary>
    public MpscRing(int capacityBytes, RingFullMode fullMode = RingFullMode.Drop)
        : base(capacityBytes, fullMode)
    {
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override LogResult TryWrite(ReadOnlySpan<byte> record)
    {
        if (!IsValidLength(record.Length))
        {
            return CountInvalid();
        }

        return Write(new RecordEntry(record));
    }

    /// <inheritdoc/>
    internal override LogResult TryWrite(scoped in ColumnBatchEntry entry) => Write(entry);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private LogResult Write<TEntry>(scoped in TEntry entry)
        where TEntry : IRingEntry, allows ref struct
    {
        RingControl* control = Control;
        long slots = SlotsFor(entry.Length);
        long tail = Volatile.Read(ref control->Tail);
        var spin = default(SpinWait);
        while (true)
        {
            long claim = ClaimSize(tail, slots, out long padding);
            long head = Volatile.Read(ref control->Head);
            if (!Fits(tail, claim, head))
            {
                if (head < 0)
                {
                    return LogResult.Io; // closed: the consumer is gone, waiting would never end
                }

                if (FullMode == RingFullMode.Drop)
                {
                    Interlocked.Add(ref control->Dropped, entry.Rows);
                    return LogResult.Full;
                }

                // Wake the writer at once, and again before each yield (it may have slept again meanwhile).
                if (spin.Count == 0 || spin.NextSpinWillYield)
                {
                    ConsumerWake?.Set();
                }

                spin.SpinOnce();
                tail = Volatile.Read(ref control->Tail);
                continue;
            }

            long seen = Interlocked.CompareExchange(ref control->Tail, tail + claim, tail);
            if (seen == tail)
            {
                Publish(tail, padding, entry);
                Interlocked.Add(ref control->Logged, entry.Rows);
                return LogResult.Ok;
            }

            tail = seen;
        }
    }
}
