// One sensor's log of records: a chain of RAM sectors (and, on Linux, the disk sectors older than them) with the
// three cursors erased | pending | unsent | tail. Every public call takes the sensor's own lock. This file holds the
// state and the cursors; each job on that state, all under the same lock (Gate), is a part of its own: SensorLog.Writes
// (appending), .RamChain (the RAM sectors), .Reads (locate, read, consume), .Spill (RAM to disk), .Quota, .Meta and
// .Corruption.

namespace ParquetFlow.SensorStore;

/// <summary>
/// One sensor's log (the document's per-sensor <c>SensorStorage</c> struct), made by
/// <see cref="SensorStoreSystem.GetOrCreateSensor"/>. Records get consecutive indices; the stream is
/// <c>[erased ... | pending (consumed, awaiting ack) | unsent | tail)</c>. Consuming (<see cref="TryConsumeBatch(Span{byte}, out int, out ulong)"/>)
/// moves records from unsent to pending; <see cref="AcknowledgePending"/> forgets them. Thread-safe: any number of writers and one
/// uploader may call concurrently; each call holds this sensor's lock only (and the pool lock briefly).
/// </summary>
public sealed partial class SensorLog
{
    private readonly SensorStoreSystem _store;
    private readonly SectorPool _pool;
    private readonly int _recordSize;
    private readonly int _perSector;
    private readonly int _diskPerSector;
    private readonly List<DiskSegment> _segments;
    private readonly DiskLog? _disk;

    private int _head;
    private int _tail;
    private int _ramSectors;
    private ulong _erased;
    private ulong _pendingIndex;
    private ulong _next;
    private long _retained;
    private long _pendingCount;
    private ulong _reservedTail;
    private ulong _writeLimit;
    private ulong _diskTail;
    private bool _metaDirty;
    private long _tailOpenedAt;
    private int _consecutiveFailures;

    private ulong _totalWritten;
    private ulong _totalErased;
    private ulong _droppedNew;
    private ulong _droppedRecycled;
    private ulong _droppedQuota;
    private ulong _droppedCorrupt;

    internal SensorLog(SensorStoreSystem store, SectorPool pool, int firstSector, SensorSource source, uint id, SensorType type,
        DiskLog? disk, DiskRecovery? recovery, ulong initialIndex)
    {
        _store = store;
        _pool = pool;
        Source = source;
        SensorId = id;
        Type = type;
        _recordSize = RecordCodec.Size(type);
        _perSector = (pool.SectorSize - SectorHeader.Size) / _recordSize;
        _diskPerSector = disk is null ? 0 : (disk.SectorSize - SectorHeader.Size) / _recordSize;
        _disk = disk;
        _segments = recovery?.Segments ?? [];
        _head = _tail = firstSector;
        _ramSectors = 1;
        if (recovery is not null)
        {
            _erased = recovery.ErasedIndex;
            _next = recovery.NextIndex;
            _reservedTail = _writeLimit = _next; // nothing reserved yet: the first write or tick persists a reservation
            foreach (DiskSegment s in _segments)
            {
                ulong start = Math.Max(s.Start, _erased);
                _retained += (long)(s.End - start);
            }
            _pendingIndex = _segments.Count > 0 ? Math.Max(_segments[0].Start, _erased) : _next;
            _diskTail = _segments.Count > 0 ? _segments[^1].End : _erased;
            _erased = Math.Min(_erased, _pendingIndex);
        }
        else
        {
            _erased = _pendingIndex = _next = initialIndex;
            _reservedTail = _writeLimit = ulong.MaxValue; // RAM only: nothing to persist
        }
        SectorHeader.Init(_pool.Sector(firstSector), type, _next);
        _tailOpenedAt = _store.Clock.GetTimestamp();
    }

    /// <summary>The sensor's lock (the document's per-sensor mutex).</summary>
    internal Lock Gate { get; } = new();

    public SensorSource Source { get; }

    public uint SensorId { get; }

    public SensorType Type { get; }

    /// <summary>Records per RAM sector (60 time-series or 20 event records on the STM32 profile).</summary>
    public int RecordsPerSector => _perSector;

    internal bool HasRamBacklog
    {
        get
        {
            lock (Gate)
            {
                return RamRecordsLocked() > 0 || _metaDirty;
            }
        }
    }

    /// <summary><c>ss_get_total_records</c>: records currently retained (pending + unsent).</summary>
    public long TotalRecords
    {
        get
        {
            lock (Gate)
            {
                return _retained;
            }
        }
    }

    /// <summary><c>ss_get_unsent_count</c>: retained records not yet consumed (total − pending).</summary>
    public long UnsentCount
    {
        get
        {
            lock (Gate)
            {
                return _retained - _pendingCount;
            }
        }
    }

    /// <summary>Records consumed and awaiting <see cref="AcknowledgePending"/>.</summary>
    public long PendingCount
    {
        get
        {
            lock (Gate)
            {
                return _pendingCount;
            }
        }
    }

    /// <summary>
    /// Call it when the cloud acknowledged the records consumed so far (the broker's PUBACK, the file made durable):
    /// forgets every pending record and frees the sectors that became empty. Returns how many records it forgot, 0 when
    /// none was pending. Never fails and does no I/O: the meta that records the new erased index is written by the next
    /// manager pass or <see cref="SensorStoreSystem.Flush"/>; until then a power cut brings the records back as unsent,
    /// to be sent again with the same idempotency key.
    /// </summary>
    public long AcknowledgePending()
    {
        lock (Gate)
        {
            long forgotten = _pendingCount;
            if (forgotten == 0)
            {
                return 0;
            }
            _erased = _pendingIndex;
            _retained -= forgotten;
            _totalErased += (ulong)forgotten;
            _pendingCount = 0;
            while (_segments.Count > 0 && _segments[0].End <= _erased)
            {
                _store.ReleaseDiskSlot(_disk!, _segments[0].Slot);
                _segments.RemoveAt(0);
                _metaDirty = true;
            }
            if (_segments.Count > 0 && _segments[0].Start < _erased)
            {
                _metaDirty = true; // a partly erased disk sector: the meta's erased index trims it on recovery
            }
            FreeErasedRamSectorsLocked();
            return forgotten;
        }
    }

    /// <summary><c>ss_erase_all_pending</c>: <see cref="AcknowledgePending"/> in the C exports' form; always Ok.</summary>
    internal StoreResult EraseAllPending()
    {
        AcknowledgePending();
        return StoreResult.Ok;
    }

    /// <summary>Counts, sector usage and cursors of this sensor.</summary>
    public SensorStats GetStats()
    {
        lock (Gate)
        {
            return new SensorStats
            {
                Source = Source,
                SensorId = SensorId,
                Type = Type,
                HeadIndex = FirstRetainedLocked(),
                PendingIndex = _pendingCount > 0 ? _pendingIndex : FirstRetainedLocked(),
                TailIndex = _next,
                TotalRecords = _retained,
                PendingRecords = _pendingCount,
                UnsentRecords = _retained - _pendingCount,
                RamSectors = _ramSectors,
                DiskSectors = _segments.Count,
                TotalWritten = _totalWritten,
                TotalErased = _totalErased,
                DroppedNew = _droppedNew,
                DroppedRecycled = _droppedRecycled,
                DroppedQuota = _droppedQuota,
                DroppedCorrupt = _droppedCorrupt,
            };
        }
    }

    private ulong FirstRetainedLocked()
    {
        foreach (DiskSegment s in _segments)
        {
            ulong start = Math.Max(s.Start, _erased);
            if (s.End > start)
            {
                return start;
            }
        }
        for (int s = _head; s != -1; s = _pool.Next(s))
        {
            Span<byte> sector = _pool.Sector(s);
            ulong first = SectorHeader.First(sector);
            ulong end = first + (ulong)SectorHeader.Count(sector);
            ulong start = Math.Max(first, _erased);
            if (end > start)
            {
                return start;
            }
        }
        return _next;
    }

    /// <summary>Age of the open sector in the store clock's ticks.</summary>
    internal TimeSpan TailAge()
    {
        lock (Gate)
        {
            return _store.Clock.GetElapsedTime(_tailOpenedAt);
        }
    }

    /// <summary>Manager pass for one sensor: spill sealed (or all) sectors, then persist the meta if needed.</summary>
    internal StoreResult ManagerPass(bool spill, bool includeOpen, int maxSectors)
    {
        lock (Gate)
        {
            if (_disk is null)
            {
                return StoreResult.Ok;
            }
            StoreResult r = StoreResult.Ok;
            if (spill || includeOpen)
            {
                r = FlushLocked(includeOpen, maxSectors);
            }
            if (r == StoreResult.Ok && (_metaDirty || _next + (_store.Options.IndexReservation / 2) >= _reservedTail))
            {
                r = WriteMetaLocked();
            }
            return r;
        }
    }

    internal void DisposeDisk() => _disk?.Dispose();
}
