using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ParquetFlow.Sink;

/// <summary>
/// A preallocated ring of 64-byte slots carrying variable-length records from producers to one consumer
/// (docs/formats.md, "Log-sink ring"). A record takes <c>ceil((4 + length) / 64)</c> consecutive slots: a 4-byte
/// header, then its bytes. The header is written last with release semantics and is the publication: a positive
/// header is the record's length, a negative one is padding to the end of the ring, and zero means "not yet
/// written"; a positive header with <see cref="ColumnBatchFlag"/> set is a column-batch entry of the length in its
/// other bits (<see cref="ColumnBatchEntry"/>). The consumer zeroes the headers of the slots it has consumed before it
/// hands them back.
/// Producers follow the derived type's contract (<see cref="SpscRing"/>: one producer thread; <see cref="MpscRing"/>:
/// any number); exactly one thread consumes with <see cref="TryRead"/> and <see cref="Release"/>. The cursors and
/// counters live in a <see cref="RingControl"/> block at a fixed address, so C producers can follow the same protocol
/// without entering managed code (<c>pqflow_log_fast</c>, docs/formats.md).
/// </summary>
public abstract unsafe class RecordRing : IDisposable
{
    /// <summary>Bytes per slot: one cache line.</summary>
    public const int SlotSize = 64;

    /// <summary>
    /// Bit 30 of a positive header: the entry is a column batch (docs/formats.md, "Log-sink ring"), not a record. A
    /// record's header never has it: records are at most <see cref="MaxRecordLength"/> bytes, under 2^29 since a ring
    /// holds at most 2^30 bytes, so C producers (<c>pqflow_log_fast</c>) and existing records are unchanged.
    /// </summary>
    public const int ColumnBatchFlag = 1 << 30;

    private const int SlotShift = 6;
    private const int HeaderSize = 4;

    private readonly long _slotCount;
    private readonly long _slotMask;
    private readonly int _maxRecordLength;
    private readonly byte[] _controlMemory;
    private readonly RingControl* _control;
    private byte* _buffer;
    private PaddedCursor _consumer;

    /// <summary>Allocates a ring of <paramref name="capacityBytes"/> (a power of two, at least 256) bytes.</summary>
    private protected RecordRing(int capacityBytes, RingFullMode fullMode)
    {
        if (capacityBytes < 4 * SlotSize || !BitOperations.IsPow2(capacityBytes))
        {
            throw new ArgumentOutOfRangeException(nameof(capacityBytes), capacityBytes, "the ring capacity must be a power of two of at least 256 bytes");
        }

        CapacityBytes = capacityBytes;
        FullMode = fullMode;
        _slotCount = capacityBytes >> SlotShift;
        _slotMask = _slotCount - 1;

        // A record may need padding to the end of the ring before it; half the ring always fits after a drain.
        _maxRecordLength = (int)(_slotCount / 2 * SlotSize) - HeaderSize;
        _buffer = (byte*)NativeMemory.AlignedAlloc((nuint)capacityBytes, SlotSize);
        NativeMemory.Clear(_buffer, (nuint)capacityBytes);

        // The control block lives on the pinned object heap, not in native memory: its address never changes (C
        // producers hold pointers into it), and its counters stay readable after Dispose, as LogSink.Statistics is,
        // until the GC frees it with the ring. Zeroed by the allocation.
        _controlMemory = GC.AllocateArray<byte>(RingControl.Size + RingControl.Stride - 1, pinned: true);
        nuint start = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_controlMemory));
        _control = (RingControl*)((start + RingControl.Stride - 1) & ~(nuint)(RingControl.Stride - 1));
    }

    /// <summary>The ring's size in bytes.</summary>
    public int CapacityBytes { get; }

    /// <summary>The longest record the ring accepts (half the ring less the header).</summary>
    public int MaxRecordLength => _maxRecordLength;

    /// <summary>What producers do when the ring is full.</summary>
    public RingFullMode FullMode { get; }

    /// <summary>Set by a producer that finds the ring full and waits for room (<see cref="RingFullMode.Wait"/>), so a sleeping consumer drains at once.</summary>
    internal EventWaitHandle? ConsumerWake { get; set; }

    /// <summary>Rows accepted so far: one per record, a column-batch entry's rows for it.</summary>
    public long Logged => Volatile.Read(ref _control->Logged);

    /// <summary>Rows refused because the ring was full (one per record, a column batch's rows for it).</summary>
    public long Dropped => Volatile.Read(ref _control->Dropped);

    /// <summary>Rows refused as invalid: by <see cref="TryWrite(ReadOnlySpan{byte})"/>'s length check, or by the owner through <see cref="CountInvalid"/>.</summary>
    public long Invalid => Volatile.Read(ref _control->Invalid);

    /// <summary>The slot position up to which producers have claimed room (a flush waits until the consumer has read up to it).</summary>
    public long ClaimedPosition => Volatile.Read(ref _control->Tail);

    /// <summary>
    /// Whether at most half the ring's slots are claimed and not yet handed back (any thread; a snapshot while
    /// producers write). False once the ring is closed.
    /// </summary>
    public bool IsAtMostHalfFull
    {
        get
        {
            long head = Volatile.Read(ref _control->Head);
            return head >= 0 && Volatile.Read(ref _control->Tail) - head <= _slotCount / 2;
        }
    }

    /// <summary>The slot buffer (<see cref="SlotCount"/> slots of <see cref="SlotSize"/> bytes, 64-byte aligned); null after <see cref="Dispose"/>.</summary>
    internal byte* Slots => _buffer;

    /// <summary>Slots in the ring (a power of two).</summary>
    internal long SlotCount => _slotCount;

    /// <summary>The shared cursors and counters; valid as long as the ring object is reachable, even after <see cref="Dispose"/>.</summary>
    internal RingControl* Control => _control;

    /// <summary>The slot position up to which the consumer has read (consumer thread only).</summary>
    public long ReadPosition => _consumer.Value;

    /// <summary>
    /// Copies <paramref name="record"/> into the ring and returns <see cref="LogResult.Ok"/>, or <see cref="LogResult.Full"/>
    /// (counted in <see cref="Dropped"/>) when there is no room, or <see cref="LogResult.Invalid"/> (counted in
    /// <see cref="Invalid"/>) for an empty record or one longer than <see cref="MaxRecordLength"/>. Never allocates, locks
    /// or calls the OS.
    /// </summary>
    public abstract LogResult TryWrite(ReadOnlySpan<byte> record);

    /// <summary>
    /// Copies one column-batch entry (at most <see cref="MaxRecordLength"/> bytes, built by the sink) into the ring with
    /// one claim, exactly as <see cref="TryWrite(ReadOnlySpan{byte})"/> copies a record; its rows count in
    /// <see cref="Logged"/> or <see cref="Dropped"/>.
    /// </summary>
    internal abstract LogResult TryWrite(scoped in ColumnBatchEntry entry);

    /// <summary>Counts a record its owner refused as invalid (any thread) and returns <see cref="LogResult.Invalid"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal LogResult CountInvalid() => CountInvalid(1);

    /// <summary>Counts <paramref name="rows"/> rows its owner refused as invalid (any thread) and returns <see cref="LogResult.Invalid"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal LogResult CountInvalid(long rows)
    {
        Interlocked.Add(ref _control->Invalid, rows);
        return LogResult.Invalid;
    }

    /// <summary>Counts <paramref name="rows"/> rows its owner dropped because the ring was full (the rest of a column batch whose first pieces went in).</summary>
    internal void CountDropped(long rows) => Interlocked.Add(ref _control->Dropped, rows);

    /// <summary>
    /// Consumer: the next published record, valid until <see cref="Release"/>; false when none is published yet. For a
    /// ring that also carries column batches use <see cref="TryRead(out ReadOnlySpan{byte}, out bool)"/>.
    /// </summary>
    public bool TryRead(out ReadOnlySpan<byte> record) => TryRead(out record, out _);

    /// <summary>
    /// Consumer: the next published entry, valid until <see cref="Release"/>: a record, or (<paramref name="isColumnBatch"/>)
    /// a column-batch entry (<see cref="ColumnBatchEntry"/>); false when none is published yet.
    /// </summary>
    public bool TryRead(out ReadOnlySpan<byte> entry, out bool isColumnBatch)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        long position = _consumer.Value;
        long head = _control->Head;
        while (position - head < _slotCount)
        {
            int header = Volatile.Read(ref *(int*)SlotAt(position));
            if (header == 0)
            {
                break;
            }

            if (header < 0)
            {
                position -= header;
                continue;
            }

            int length = header & ~ColumnBatchFlag;
            isColumnBatch = length != header;
            entry = new ReadOnlySpan<byte>(SlotAt(position) + HeaderSize, length);
            _consumer.Value = position + SlotsFor(length);
            return true;
        }

        _consumer.Value = position;
        entry = default;
        isColumnBatch = false;
        return false;
    }

    /// <summary>
    /// The head a ring whose consumer is gone carries (docs/formats.md, "Log-sink ring control block"): so far below any
    /// tail that no record fits, so every producer, C's inlined <c>pqflow_log_fast</c> included, takes its full path,
    /// where a negative head means closed and the call returns <see cref="LogResult.Io"/> instead of dropping or waiting.
    /// -2^62: tail + claim - head stays far from overflowing a long.
    /// </summary>
    public const long ClosedHead = -(1L << 62);

    /// <summary>True once <see cref="Close"/> ran: nothing will read the ring again.</summary>
    public bool IsClosed => Volatile.Read(ref _control->Closed) != 0;

    /// <summary>
    /// Consumer: closes the ring for good because the consumer is gone (its thread died). Producers, waiting or not,
    /// get <see cref="LogResult.Io"/> from then on; records already claimed stay unread.
    /// </summary>
    internal void Close()
    {
        Volatile.Write(ref _control->Closed, 1);
        Volatile.Write(ref _control->Head, ClosedHead);
    }

    /// <summary>The slot position up to which the consumer has handed slots back (consumer thread only).</summary>
    internal long ReleasedPosition => _control->Head;

    /// <summary>Consumer: hands every slot read so far back to the producers (the spans from <see cref="TryRead(out ReadOnlySpan{byte})"/> become invalid).</summary>
    public void Release() => Release(_consumer.Value);

    /// <summary>
    /// Consumer: hands the slots read before <paramref name="end"/> (a read position seen earlier) back to the producers;
    /// spans of entries at or after it stay valid. Used to free the ring while a long column batch is still being read.
    /// </summary>
    internal void Release(long end)
    {
        Debug.Assert(end <= _consumer.Value);
        long head = _control->Head;
        for (long slot = head; slot < end; slot++)
        {
            *(int*)SlotAt(slot) = 0;
        }

        // Release: the zeroed headers are visible before producers see the room.
        Volatile.Write(ref _control->Head, end);
    }

    /// <summary>Frees the slot buffer (the counters stay readable). Call only when no thread uses the ring any more.</summary>
    public void Dispose()
    {
        if (_buffer is not null)
        {
            NativeMemory.AlignedFree(_buffer);
            _buffer = null;
        }

        GC.SuppressFinalize(this);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected static long SlotsFor(int length) => (length + HeaderSize + SlotSize - 1) >> SlotShift;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* SlotAt(long position) => _buffer + ((position & _slotMask) << SlotShift);

    /// <summary>Slots to claim at <paramref name="tail"/> for a record of <paramref name="slots"/> slots, padding included.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected long ClaimSize(long tail, long slots, out long padding)
    {
        long index = tail & _slotMask;
        padding = index + slots > _slotCount ? _slotCount - index : 0;
        return padding + slots;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected bool Fits(long tail, long claim, long head) => tail + claim - head <= _slotCount;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected bool IsValidLength(int length) => (uint)(length - 1) < (uint)_maxRecordLength;

    /// <summary>Writes a claimed entry (and its padding) and publishes it by storing its header last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected void Publish<TEntry>(long tail, long padding, scoped in TEntry entry)
        where TEntry : IRingEntry, allows ref struct
    {
        Debug.Assert(_buffer is not null);
        if (padding != 0)
        {
            Volatile.Write(ref *(int*)SlotAt(tail), -(int)padding);
            tail += padding;
        }

        byte* slot = SlotAt(tail);
        entry.CopyTo(new Span<byte>(slot + HeaderSize, entry.Length));
        Volatile.Write(ref *(int*)slot, entry.Header);
    }
}
