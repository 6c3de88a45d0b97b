using System.Runtime.CompilerServices;

namespace ParquetFlow.Sink;

/// <summary>
/// A <see cref="RecordRing"/> for exactly one producer thread: claiming room is a plain store, no atomic
/// instruction. Calling <see cref="TryWrite"/> from two threads at once corrupts the ring; use <see cref="MpscRing"/> then.
/// </summary>
public sealed unsafe class SpscRing : RecordRing
{
    private long _cachedHead;

    /// <summary>Allocates a ring of <paramref name="capacityBytes"/> bytes (a power of two, at least 256).</summary>
    public SpscRing(int capacityBytes, RingFullMode fullMode = RingFullMode.Drop)
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
        if (Volatile.Read(ref control->Closed) != 0)
        {
            return LogResult.Io; // the consumer is gone: the cached head would let this write go where nobody reads
        }

        long tail = control->Tail;
        long claim = ClaimSize(tail, SlotsFor(entry.Length), out long padding);
        if (!Fits(tail, claim, _cachedHead))
        {
            _cachedHead = Volatile.Read(ref control->Head);
            if (!Fits(tail, claim, _cachedHead))
            {
                if (_cachedHead < 0)
                {
                    return LogResult.Io; // closed: the consumer is gone
                }

                if (FullMode == RingFullMode.Drop)
                {
                    Volatile.Write(ref control->Dropped, control->Dropped + entry.Rows);
                    return LogResult.Full;
                }

                if (!WaitForRoom(tail, claim))
                {
                    return LogResult.Io;
                }
            }
        }

        Publish(tail, padding, entry);
        Volatile.Write(ref control->Tail, tail + claim);
        Volatile.Write(ref control->Logged, control->Logged + entry.Rows);
        return LogResult.Ok;
    }

    /// <summary>Waits until the record fits; false when the ring was closed meanwhile (its consumer is gone).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool WaitForRoom(long tail, long claim)
    {
        var spin = default(SpinWait);
        while (!Fits(tail, claim, _cachedHead = Volatile.Read(ref Control->Head)))
        {
            if (_cachedHead < 0)
            {
                return false;
            }

            // Wake the writer at once, and again before each yield: it may have woken, found only records still being
            // written, and gone back to sleep.
            if (spin.Count == 0 || spin.NextSpinWillYield)
            {
                ConsumerWake?.Set();
            }

            spin.SpinOnce();
        }

        return true;
    }
}
