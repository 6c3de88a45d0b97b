// The single writer of a SharedRing: seqlocked rows, an atomic head, a heartbeat, futex wake-ups for sleeping consumers.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Microsoft.Extensions.Logging;
using ParquetFlow.Ipc.Interop;
using static ParquetFlow.Ipc.SharedRingLayout;

namespace ParquetFlow.Ipc;

/// <summary>
/// Writes rows into a SharedRing segment; the one producer of that segment. Not thread-safe: one thread writes.
/// </summary>
/// <remarks>
/// Publishing row <c>s</c>: its stamp becomes <c>2s+1</c> (being written), the columns are written, the stamp becomes
/// <c>2s+2</c>, then <c>head</c> becomes <c>s+1</c>. Old rows are overwritten without waiting for consumers: a paused
/// or dead consumer never slows the producer; it learns how many rows it lost. Layout: docs/formats.md.
/// </remarks>
public sealed unsafe class SharedRingProducer : IDisposable
{
    private readonly SharedRingSegment _segment;
    private readonly byte* _data;
    private readonly long _mask;
    private readonly int _rowSize;
    private readonly bool _locked;
    private readonly long* _headPointer;
    private readonly int* _waiters;
    private readonly Timer _heartbeat;
    private long _head;
    private bool _inRow;
    private bool _disposed;

    private SharedRingProducer(SharedRingSegment segment, List<string> notices)
    {
        _segment = segment;
        _data = segment.Data;
        _mask = segment.Mask;
        _rowSize = segment.RowSize;
        _locked = segment.Locked;
        _headPointer = (long*)Unsafe.AsPointer(ref segment.Head);
        _waiters = (int*)Unsafe.AsPointer(ref segment.Waiters);
        _head = Volatile.Read(ref segment.Head);
        Notices = notices;

        segment.Heartbeat = Stopwatch.GetTimestamp();
        Volatile.Write(ref segment.ProducerPid, Environment.ProcessId);
        segment.Generation++;
        Volatile.Write(ref segment.ProducerState, ProducerAttached);
        _heartbeat = new Timer(static s => ((SharedRingProducer)s!).Beat(), this, 250, 250);
    }

    /// <summary>The segment name.</summary>
    public string Name => NameOf(_segment.Path);

    /// <summary>The segment file, e.g. <c>/dev/shm/pqflow-ticks</c>.</summary>
    public string Path => _segment.Path;

    /// <summary>The row layout.</summary>
    public SharedRingSchema Schema => _segment.Schema;

    /// <summary>Rows the ring holds before overwriting.</summary>
    public long Capacity => _segment.Capacity;

    /// <summary>Rows published so far (over every producer of this segment): the next row's sequence.</summary>
    public long Head => _head;

    /// <summary>How many producers have attached to this segment, this one included.</summary>
    public ulong Generation => _segment.Generation;

    /// <summary>What happened to the optional requests (mlock, huge pages) and to a reattach, in words.</summary>
    public IReadOnlyList<string> Notices { get; }

    /// <summary>The next row in place, <see cref="SharedRingSchema.RowSize"/> bytes; fill the columns (bytes [0, 8) are the
    /// ring's stamp: do not write them), then <see cref="PublishRow"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> BeginRow()
    {
        Debug.Assert(!_inRow, "BeginRow twice without PublishRow");
        _inRow = true;
        if (_locked)
        {
            _segment.Lock();
        }

        byte* row = _data + ((_head & _mask) * _rowSize);
        Volatile.Write(ref *(ulong*)row, (2 * (ulong)_head) + 1);
        StoreStoreFence();
        return new Span<byte>(row, _rowSize);
    }

    /// <summary>Publishes the row begun with <see cref="BeginRow"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PublishRow()
    {
        Debug.Assert(_inRow, "PublishRow without BeginRow");
        _inRow = false;
        long sequence = _head;
        byte* row = _data + ((sequence & _mask) * _rowSize);
        Volatile.Write(ref *(ulong*)row, (2 * (ulong)sequence) + 2);
        _head = sequence + 1;
        Volatile.Write(ref *_headPointer, sequence + 1);
        if (_locked)
        {
            _segment.Unlock();
        }

        if (Volatile.Read(ref *_waiters) != 0)
        {
            Wake();
        }
    }

    /// <summary>Publishes one row: <paramref name="row"/> is <see cref="SharedRingSchema.RowSize"/> bytes laid out by the
    /// schema; its first 8 bytes are ignored (the ring stamps them).</summary>
    public void Write(ReadOnlySpan<byte> row)
    {
        if (row.Length != _rowSize)
        {
            throw new ArgumentException($"a row is {_rowSize} bytes, got {row.Length}", nameof(row));
        }

        Span<byte> target = BeginRow();
        row[StampSize..].CopyTo(target[StampSize..]);
        PublishRow();
    }

    /// <summary>Publishes one row from a struct whose layout is the schema's (an 8-byte placeholder field first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write<T>(in T row)
        where T : unmanaged
    {
        if (sizeof(T) != _rowSize)
        {
            throw new ArgumentException($"a row is {_rowSize} bytes, {typeof(T).Name} is {sizeof(T)}", nameof(row));
        }

        Span<byte> target = BeginRow();
        fixed (T* source = &row)
        {
            Unsafe.CopyBlockUnaligned(Unsafe.AsPointer(ref target[StampSize]), (byte*)source + StampSize, (uint)(_rowSize - StampSize));
        }

        PublishRow();
    }

    // Stopwatch (CLOCK_MONOTONIC), not a TimeProvider: consumers in other processes compare it with their own reading of that clock.
    /// <summary>Refreshes the heartbeat now (a timer also does it every 250 ms).</summary>
    public void Beat() => Volatile.Write(ref _segment.Heartbeat, Stopwatch.GetTimestamp());

    /// <summary>Detaches cleanly (consumers see <see cref="ProducerStatus.Closed"/>); the segment stays for consumers and a later producer.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        using (var stopped = new ManualResetEvent(false))
        {
            // Wait for a heartbeat callback in flight: it writes into the mapping about to be unmapped.
            _heartbeat.Dispose(stopped);
            stopped.WaitOne();
        }

        Volatile.Write(ref _segment.ProducerState, ProducerClosed);
        Wake();
        _segment.Dispose();
    }

    internal static SharedRingProducer CreateOrAttach(string path, SharedRingSchema schema, long capacity, uint flags, bool mlock, bool hugePages, ILogger logger)
    {
        var notices = new List<string>();
        SharedRingSegment segment;
        try
        {
            segment = SharedRingSegment.Create(path, schema, capacity, flags, hugePages);
            notices.Add($"created {path}: {capacity} rows x {schema.RowSize} bytes");
            Log.SegmentCreated(logger, path, capacity, schema.RowSize);
        }
        catch (IOException) when (File.Exists(path))
        {
            try
            {
                segment = Reattach(path, schema, capacity, flags, hugePages, notices, logger);
            }
            catch (IOException e)
            {
                // Damaged (InvalidRingFileException), another layout or a live producer (SharedRingException): never overwritten.
                Log.Refused(logger, path, e);
                throw;
            }
        }

        try
        {
            ApplyMemoryOptions(segment, mlock, hugePages, notices, logger);
            return new SharedRingProducer(segment, notices);
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    private static SharedRingSegment Reattach(string path, SharedRingSchema schema, long capacity, uint flags, bool hugePages, List<string> notices, ILogger logger)
    {
        SharedRingSegment segment = SharedRingSegment.Open(path, hugePages);
        try
        {
            if (!segment.Schema.Equals(schema) || segment.Capacity != capacity || (segment.Flags & FlagLocked) != (flags & FlagLocked))
            {
                throw new SharedRingException(
                    $"{path} exists with another layout: capacity {segment.Capacity}, {(segment.Locked ? "locked" : "lock-free")}, schema {segment.SchemaJson}; " +
                    $"asked for capacity {capacity}, {((flags & FlagLocked) != 0 ? "locked" : "lock-free")}, schema {schema.ToJson(capacity)}");
            }

            ProducerStatus status = segment.GetProducerStatus();
            if (status is ProducerStatus.Live or ProducerStatus.Stalled)
            {
                throw new SharedRingException($"{path} has a {status.ToString().ToLowerInvariant()} producer (pid {segment.ProducerPid})");
            }

            // A producer that died between stamping row `head` published and storing head+1 left a whole row that
            // consumers following stamps may already have read: keep it, so sequence `head` is never written twice.
            long head = Volatile.Read(ref segment.Head);
            if (Volatile.Read(ref segment.Stamp(head)) == PublishedStamp(head))
            {
                Volatile.Write(ref segment.Head, head + 1);
                notices.Add($"row {head} was published by the previous producer but not counted in head: head is now {head + 1}");
                Log.HeadAdvanced(logger, path, head, head + 1);
            }

            string previous = status.ToString().ToLowerInvariant();
            notices.Add($"reattached to {path} at row {Volatile.Read(ref segment.Head)} (previous producer: {previous})");
            Log.SegmentReattached(logger, path, Volatile.Read(ref segment.Head), previous);
            return segment;
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    private static void ApplyMemoryOptions(SharedRingSegment segment, bool mlock, bool hugePages, List<string> notices, ILogger logger)
    {
        nint address = (nint)segment.Base;
        nuint length = (nuint)segment.Mapping.Length;
        if (hugePages)
        {
            if (segment.Mapping.HugePages)
            {
                Notice(LogLevel.Information, "huge pages: mapped with MAP_HUGETLB");
            }
            else
            {
                bool advised = Posix.madvise(address, length, Posix.MadvHugePage) == 0;
                Notice(LogLevel.Warning, "huge pages: MAP_HUGETLB is not available for this segment (" + HugePageDiagnosis(segment.Path) +
                    $"); using normal pages{(advised ? " with madvise(MADV_HUGEPAGE)" : $", madvise(MADV_HUGEPAGE) failed: {Posix.LastErrorText()}")}");
            }
        }

        if (mlock)
        {
            if (Posix.mlock(address, length) == 0)
            {
                Notice(LogLevel.Information, $"mlock: {length} bytes pinned in RAM");
            }
            else
            {
                Notice(LogLevel.Warning, $"mlock failed: {Posix.LastErrorText()}; raise RLIMIT_MEMLOCK (ulimit -l) or run with CAP_IPC_LOCK. Continuing unpinned.");
            }
        }

        void Notice(LogLevel level, string notice)
        {
            notices.Add(notice);
            Log.MemoryNotice(logger, level, segment.Path, notice);
        }
    }

    private static string HugePageDiagnosis(string path)
    {
        string total = "unknown";
        try
        {
            foreach (string line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("HugePages_Total:", StringComparison.Ordinal))
                {
                    total = line["HugePages_Total:".Length..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }

        return $"{System.IO.Path.GetDirectoryName(path)} is not a hugetlbfs mount, HugePages_Total is {total}; " +
            "configure /proc/sys/vm/nr_hugepages and put the segment on a hugetlbfs mount to get them";
    }

    private void Wake()
    {
        Interlocked.Increment(ref _segment.WakeWord);
        Posix.FutexWakeShared(_segment.WakeWordPointer);
    }

    /// <summary>Orders the odd stamp before the column stores. x86 keeps stores in order (TSO) and the JIT does not
    /// move stores across a volatile write; weaker CPUs need the fence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreStoreFence()
    {
        if (!X86Base.IsSupported)
        {
            Interlocked.MemoryBarrier();
        }
    }
}
