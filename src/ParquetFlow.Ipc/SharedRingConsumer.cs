// One reader of a SharedRing with its own cursor: seqlock-checked copies, lap detection with a lost-row count, waits.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParquetFlow.Ipc.Interop;
using static ParquetFlow.Ipc.SharedRingLayout;

namespace ParquetFlow.Ipc;

/// <summary>
/// Reads rows of a SharedRing segment in order, at its own pace; any number of consumers may attach. Not thread-safe.
/// </summary>
/// <remarks>
/// Never returns a torn row: a row is copied only while its stamp reads <c>2s+2</c> before and after the copy. A consumer
/// the producer lapped gets <see cref="SharedRingReadStatus.Lapped"/> with the exact number of rows it lost, and carries
/// on from the oldest intact row. A named consumer is registered in the segment's consumer table (visible to
/// <c>pqflow shm stats</c>) and resumes at its cursor when it attaches again.
/// </remarks>
public sealed unsafe class SharedRingConsumer : IDisposable
{
    /// <summary>While the producer keeps lapping this consumer, the laps are reported at most this often.</summary>
    private static readonly TimeSpan s_lapReportInterval = TimeSpan.FromSeconds(10);

    private readonly SharedRingSegment _segment;
    private readonly byte* _data;
    private readonly long _mask;
    private readonly int _rowSize;
    private readonly long _capacity;
    private readonly bool _locked;
    private readonly byte* _entry;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private long _cursor;
    private long _lost;
    private long _lostReported;
    private long _lostReportedAt; // the clock's timestamp of the last lap report, 0 before the first
    private bool _disposed;

    private SharedRingConsumer(SharedRingSegment segment, string? consumerName, byte* entry, long cursor, long lost, TimeProvider clock, ILogger logger)
    {
        _clock = clock;
        _logger = logger;
        _segment = segment;
        _data = segment.Data;
        _mask = segment.Mask;
        _rowSize = segment.RowSize;
        _capacity = segment.Capacity;
        _locked = segment.Locked;
        _entry = entry;
        _cursor = cursor;
        _lost = lost;
        _lostReported = lost;
        ConsumerName = consumerName;
    }

    /// <summary>The segment name.</summary>
    public string Name => NameOf(_segment.Path);

    /// <summary>The segment file.</summary>
    public string Path => _segment.Path;

    /// <summary>This consumer's name in the consumer table, or null when anonymous.</summary>
    public string? ConsumerName { get; }

    /// <summary>The row layout, read from the segment header.</summary>
    public SharedRingSchema Schema => _segment.Schema;

    /// <summary>The segment's schema JSON as stored.</summary>
    public string SchemaJson => _segment.SchemaJson;

    /// <summary>Rows the ring holds.</summary>
    public long Capacity => _capacity;

    /// <summary>Sequence of the next row this consumer reads.</summary>
    public long Cursor => _cursor;

    /// <summary>Rows this consumer lost to being lapped, in total.</summary>
    public long LostRows => _lost;

    /// <summary>Rows published so far (the producer's head).</summary>
    public long Head => Volatile.Read(ref _segment.Head);

    /// <summary>The producer as seen from here: live, stalled, dead or closed.</summary>
    public ProducerStatus ProducerStatus => _segment.GetProducerStatus();

    /// <summary>Attaches to the segment <paramref name="name"/> (or a path); a named consumer registers or resumes its cursor.</summary>
    /// <param name="clock">The clock <see cref="WaitForRow"/>'s timeouts and the lap reports' spacing are measured on (default the system's).</param>
    /// <param name="logger">
    /// Hears of the attach (Information), a segment refused, an entry taken over from a dead consumer process and laps
    /// (Warning: a lagging consumer, reported when it is first lapped, then at most once per 10 s). Default none.
    /// </param>
    /// <exception cref="InvalidRingFileException">The file is not a SharedRing segment.</exception>
    /// <exception cref="SharedRingException">Another live process holds <paramref name="consumerName"/>, or the consumer table is full.</exception>
    public static SharedRingConsumer Attach(string name, string? consumerName = null, SharedRingStart start = SharedRingStart.Latest, string? directory = null, TimeProvider? clock = null, ILogger? logger = null)
    {
        clock ??= TimeProvider.System;
        logger ??= NullLogger.Instance;
        string path = PathFor(name, directory);
        SharedRingSegment segment;
        try
        {
            segment = SharedRingSegment.Open(path);
        }
        catch (InvalidRingFileException e)
        {
            Log.Refused(logger, path, e);
            throw;
        }

        try
        {
            long head = Volatile.Read(ref segment.Head);
            long initial = start == SharedRingStart.Latest ? head : Math.Max(0, head - segment.Capacity + 1);
            if (consumerName is null)
            {
                Log.ConsumerAttached(logger, "(anonymous)", path, initial, head);
                return new SharedRingConsumer(segment, null, null, initial, 0, clock, logger);
            }

            (nint entry, long cursor, long lost) = Register(segment, consumerName, initial, logger);
            Log.ConsumerAttached(logger, consumerName, path, cursor, head);
            return new SharedRingConsumer(segment, consumerName, (byte*)entry, cursor, lost, clock, logger);
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    /// <summary>Copies the next row (<see cref="SharedRingSchema.RowSize"/> bytes, stamp included) into <paramref name="row"/>.</summary>
    /// <param name="row">Destination of at least one row.</param>
    /// <param name="lost">On <see cref="SharedRingReadStatus.Lapped"/>, the rows skipped; otherwise 0.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SharedRingReadStatus TryRead(Span<byte> row, out long lost)
    {
        lost = 0;
        long sequence = _cursor;
        byte* source = _data + ((sequence & _mask) * _rowSize);
        ref ulong stamp = ref *(ulong*)source;
        ulong expected = PublishedStamp(sequence);
        ulong before = Volatile.Read(ref stamp);
        if (before < expected)
        {
            return SharedRingReadStatus.Empty;
        }

        if (before == expected)
        {
            if (_locked)
            {
                _segment.Lock();
            }

            new ReadOnlySpan<byte>(source, _rowSize).CopyTo(row);
            LoadLoadFence();
            ulong after = Volatile.Read(ref stamp);
            if (_locked)
            {
                _segment.Unlock();
            }

            if (after == expected)
            {
                Advance(sequence + 1);
                return SharedRingReadStatus.Row;
            }
        }

        lost = Resync(sequence);
        return SharedRingReadStatus.Lapped;
    }

    /// <summary>Copies as many whole rows as are published and fit <paramref name="rows"/> (row after row, stamps included),
    /// checked as one seqlocked range.</summary>
    /// <returns>Rows copied (0 when none is published or on a lap, then <paramref name="lost"/> says how many were lost).</returns>
    public int ReadBatch(Span<byte> rows, out long firstSequence, out long lost)
    {
        lost = 0;
        firstSequence = _cursor;
        long available = Head - _cursor;
        int count = (int)Math.Min(Math.Min(available, rows.Length / _rowSize), _capacity);
        if (count <= 0)
        {
            return 0;
        }

        if (!TryCopyRange(_cursor, count, rows))
        {
            lost = Resync(_cursor);
            return 0;
        }

        Advance(_cursor + count);
        return count;
    }

    /// <summary>Copies the newest rows (up to what <paramref name="rows"/> holds) without moving the cursor; retried until
    /// a copy is intact.</summary>
    /// <returns>Rows copied, oldest first; <paramref name="firstSequence"/> is the first one's sequence.</returns>
    public int ReadLatest(Span<byte> rows, out long firstSequence)
    {
        while (true)
        {
            long head = Head;
            int count = (int)Math.Min(Math.Min(head, rows.Length / _rowSize), _capacity - 1);
            firstSequence = head - count;
            if (count <= 0 || TryCopyRange(firstSequence, count, rows))
            {
                return Math.Max(count, 0);
            }
        }
    }

    /// <summary>Waits until the next row is published (or the cursor was lapped), at most <paramref name="timeout"/> on this consumer's clock.</summary>
    /// <returns>False on timeout.</returns>
    public bool WaitForRow(WaitStrategy strategy, TimeSpan timeout)
    {
        ref ulong stamp = ref *(ulong*)(_data + ((_cursor & _mask) * _rowSize));
        ulong expected = PublishedStamp(_cursor);
        if (Volatile.Read(ref stamp) >= expected)
        {
            return true;
        }

        long frequency = _clock.TimestampFrequency;
        long start = _clock.GetTimestamp();
        // Clamped: a timeout of years must not overflow the deadline into the past.
        long deadline = start + (long)Math.Min(Math.Max(timeout.TotalSeconds, 0) * frequency, (long.MaxValue - start) / 2.0);
        switch (strategy)
        {
            case WaitStrategy.Spin:
            case WaitStrategy.Yield:
                for (int i = 1; ; i++)
                {
                    if (Volatile.Read(ref stamp) >= expected)
                    {
                        return true;
                    }

                    if (strategy == WaitStrategy.Yield)
                    {
                        Thread.Yield();
                    }
                    else if (X86Base.IsSupported)
                    {
                        X86Base.Pause(); // polls less often: the producer's next store finds the line sooner
                    }

                    if ((i & 1023) == 0 && _clock.GetTimestamp() > deadline)
                    {
                        return false;
                    }
                }

            default:
                while (true)
                {
                    int word = Volatile.Read(ref _segment.WakeWord);
                    Interlocked.Increment(ref _segment.Waiters);
                    bool ready = Volatile.Read(ref stamp) >= expected;
                    long remaining = deadline - _clock.GetTimestamp();
                    if (!ready && remaining > 0)
                    {
                        // 10 ms backstop: the producer checks for sleepers without a full fence, so a wake-up can be missed.
                        // In double: remaining * 1e9 overflows a long past 9 s of ticks at a 1 GHz timestamp frequency.
                        long ns = (long)Math.Min(remaining * 1e9 / frequency, 10_000_000);
                        Posix.FutexWaitShared(_segment.WakeWordPointer, word, ns);
                    }

                    Interlocked.Decrement(ref _segment.Waiters);
                    if (Volatile.Read(ref stamp) >= expected)
                    {
                        return true;
                    }

                    if (_clock.GetTimestamp() > deadline)
                    {
                        return false;
                    }
                }
        }
    }

    /// <summary>Moves the cursor to <c>head</c>, skipping everything unread (not counted as lost).</summary>
    public void SeekToLatest() => Advance(Head);

    /// <summary>Moves the cursor to <paramref name="sequence"/> (at most <c>head</c>); an overwritten one reads as a lap.</summary>
    public void Seek(long sequence) => Advance(Math.Clamp(sequence, 0, Head));

    /// <summary>Detaches; a named consumer keeps its entry and cursor for the next attach.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_entry != null)
        {
            Volatile.Write(ref *(int*)(_entry + ConsumerPidOffset), 0);
        }

        _segment.Dispose();
    }

    /// <summary>Copies rows [first, first+count) (wrapping) and checks the range stayed intact: every row published before
    /// the copy (the last one's stamp), and the oldest not yet being overwritten after it. Overwrites go in sequence order,
    /// so an intact oldest row means every later row in the range is intact too.</summary>
    private bool TryCopyRange(long first, int count, Span<byte> destination)
    {
        ref ulong oldest = ref *(ulong*)(_data + ((first & _mask) * _rowSize));
        ref ulong newest = ref *(ulong*)(_data + (((first + count - 1) & _mask) * _rowSize));
        if (Volatile.Read(ref oldest) != PublishedStamp(first) || Volatile.Read(ref newest) != PublishedStamp(first + count - 1))
        {
            return false;
        }

        if (_locked)
        {
            _segment.Lock();
        }

        int start = (int)(first & _mask);
        int firstPart = (int)Math.Min(count, _capacity - start);
        new ReadOnlySpan<byte>(_data + ((long)start * _rowSize), firstPart * _rowSize).CopyTo(destination);
        if (firstPart < count)
        {
            new ReadOnlySpan<byte>(_data, (count - firstPart) * _rowSize).CopyTo(destination[(firstPart * _rowSize)..]);
        }

        LoadLoadFence();
        bool intact = Volatile.Read(ref oldest) == PublishedStamp(first);
        if (_locked)
        {
            _segment.Unlock();
        }

        return intact;
    }

    /// <summary>After a lap at <paramref name="sequence"/>: jump to the oldest row the producer cannot be writing over.</summary>
    private long Resync(long sequence)
    {
        long head = Head;
        long next = Math.Max(sequence + 1, head - _capacity + 1);
        long lost = next - sequence;
        _lost += lost;
        if (_entry != null)
        {
            Volatile.Write(ref *(long*)(_entry + ConsumerLostOffset), _lost);
        }

        Advance(next);
        ReportLaps();
        return lost;
    }

    /// <summary>
    /// Logs the rows lost to laps since the last report: at once when the producer first laps this consumer, then at
    /// most once per <see cref="s_lapReportInterval"/> while it keeps lagging, so a consumer that is lapped on every read
    /// never logs per row.
    /// </summary>
    private void ReportLaps()
    {
        if (_lostReportedAt != 0 && _clock.GetElapsedTime(_lostReportedAt) < s_lapReportInterval)
        {
            return;
        }

        Log.ConsumerLapped(_logger, ConsumerName ?? "(anonymous)", Path, _lost - _lostReported, _lost);
        _lostReported = _lost;
        _lostReportedAt = Math.Max(1, _clock.GetTimestamp());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Advance(long cursor)
    {
        _cursor = cursor;
        if (_entry != null)
        {
            Volatile.Write(ref *(long*)(_entry + ConsumerCursorOffset), cursor);
        }
    }

    private static (nint Entry, long Cursor, long Lost) Register(SharedRingSegment segment, string consumerName, long initial, ILogger logger)
    {
        byte[] name = Encoding.UTF8.GetBytes(consumerName);
        if (name.Length is 0 or > MaxConsumerNameBytes || name.Contains((byte)0))
        {
            throw new ArgumentException($"consumer name '{consumerName}' must be 1 to {MaxConsumerNameBytes} UTF-8 bytes", nameof(consumerName));
        }

        int me = Environment.ProcessId;
        for (int i = 0; i < MaxConsumers; i++)
        {
            byte* entry = segment.ConsumerEntry(i);
            if (Volatile.Read(ref *(uint*)(entry + ConsumerStateOffset)) == 1 && NameEquals(entry, name))
            {
                int pid = Volatile.Read(ref *(int*)(entry + ConsumerPidOffset));
                if (pid != 0 && pid != me && Posix.ProcessExists(pid))
                {
                    throw new SharedRingException($"consumer '{consumerName}' is attached to {segment.Path} by live pid {pid}");
                }

                Volatile.Write(ref *(int*)(entry + ConsumerPidOffset), me);
                long cursor = *(long*)(entry + ConsumerCursorOffset);
                if (pid != 0 && pid != me)
                {
                    // The entry's process died without detaching (a clean detach writes pid 0).
                    Log.ConsumerTakenOver(logger, consumerName, segment.Path, pid, cursor);
                }

                return ((nint)entry, cursor, *(long*)(entry + ConsumerLostOffset));
            }
        }

        for (int i = 0; i < MaxConsumers; i++)
        {
            byte* entry = segment.ConsumerEntry(i);
            if (Interlocked.CompareExchange(ref *(int*)(entry + ConsumerStateOffset), 2, 0) == 0)
            {
                // 2 = being filled in; readers of the table only trust state 1.
                var nameField = new Span<byte>(entry + ConsumerNameOffset, MaxConsumerNameBytes);
                nameField.Clear();
                name.CopyTo(nameField);
                *(long*)(entry + ConsumerCursorOffset) = initial;
                *(long*)(entry + ConsumerLostOffset) = 0;
                Volatile.Write(ref *(int*)(entry + ConsumerPidOffset), me);
                Volatile.Write(ref *(int*)(entry + ConsumerStateOffset), 1);
                return ((nint)entry, initial, 0);
            }
        }

        throw new SharedRingException($"{segment.Path}: all {MaxConsumers} consumer entries are taken");
    }

    private static bool NameEquals(byte* entry, byte[] name)
    {
        var field = new ReadOnlySpan<byte>(entry + ConsumerNameOffset, MaxConsumerNameBytes);
        int length = field.IndexOf((byte)0);
        return field[..(length < 0 ? MaxConsumerNameBytes : length)].SequenceEqual(name);
    }

    /// <summary>Orders the row copy before the second stamp read. x86 does not reorder loads with loads; weaker CPUs need the fence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadLoadFence()
    {
        if (!X86Base.IsSupported)
        {
            Interlocked.MemoryBarrier();
        }
    }
}
