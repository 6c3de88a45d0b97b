// One sensor's log of records: a chain of RAM sectors (and, on Linux, the disk sectors older than them) with the
// three cursors erased | pending | unsent | tail. Every public call takes the sensor's own lock.
using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ParquetFlow.SensorStore;

/// <summary>
/// One sensor's log (the document's per-sensor <c>SensorStorage</c> struct), made by
/// <see cref="SensorStoreSystem.InitSensor"/>. Records get consecutive indices; the stream is
/// <c>[erased ... | pending (consumed, awaiting ack) | unsent | tail)</c>. Consuming moves records from
/// unsent to pending; <see cref="EraseAllPending"/> forgets them. Thread-safe: any number of writers and one
/// uploader may call concurrently; each call holds this sensor's lock only (and the pool lock briefly).
/// </summary>
public sealed unsafe class SensorLog
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

    /// <summary>
    /// Finds room for one record of <paramref name="recordSize"/> bytes at the tail sector (sealing and preparing a
    /// new one when full); the caller holds <see cref="Gate"/>, fills <paramref name="record"/>, then calls
    /// <see cref="CommitLocked"/>. Returns why the write was refused otherwise.
    /// </summary>
    private StoreResult ReserveLocked(int recordSize, out byte* record, out byte* sector)
    {
        byte* p = _pool.SectorPointer(_tail);
        int count = Unsafe.ReadUnaligned<ushort>(p + SectorHeader.CountOffset);
        if (count == _perSector || _next >= _writeLimit)
        {
            StoreResult r = PrepareWrite();
            if (r != StoreResult.Ok)
            {
                record = null;
                sector = null;
                return r;
            }

            p = _pool.SectorPointer(_tail);
            count = Unsafe.ReadUnaligned<ushort>(p + SectorHeader.CountOffset);
        }

        sector = p;
        record = p + SectorHeader.Size + (count * recordSize);
        return StoreResult.Ok;
    }

    /// <summary>Publishes the record just written into <paramref name="sector"/> (caller holds <see cref="Gate"/>).</summary>
    private void CommitLocked(byte* sector)
    {
        int count = Unsafe.ReadUnaligned<ushort>(sector + SectorHeader.CountOffset);
        Unsafe.WriteUnaligned(sector + SectorHeader.CountOffset, (ushort)(count + 1));
        _next++;
        _retained++;
        _totalWritten++;
    }

    /// <summary><c>ss_ts_add</c>: appends a time-series value. NoSpace when the write had to be dropped (counted).</summary>
    public StoreResult AddTimeSeries(uint value)
    {
        if (Type != SensorType.TimeSeries)
        {
            return StoreResult.InvalidArgument;
        }
        lock (Gate)
        {
            StoreResult r = ReserveLocked(RecordCodec.TimeSeriesSize, out byte* record, out byte* sector);
            if (r != StoreResult.Ok)
            {
                return r;
            }

            RecordCodec.WriteTimeSeries(new Span<byte>(record, RecordCodec.TimeSeriesSize), value);
            CommitLocked(sector);
        }
        return StoreResult.Ok;
    }

    /// <summary><c>ss_evt_add</c>: appends an event (value and raw millisecond timestamp, UTC or monotonic).</summary>
    public StoreResult AddEvent(uint value, ulong timestampMs)
    {
        if (Type != SensorType.Event)
        {
            return StoreResult.InvalidArgument;
        }
        lock (Gate)
        {
            StoreResult r = ReserveLocked(RecordCodec.EventSize, out byte* record, out byte* sector);
            if (r != StoreResult.Ok)
            {
                return r;
            }

            RecordCodec.WriteEvent(new Span<byte>(record, RecordCodec.EventSize), value, timestampMs);
            CommitLocked(sector);
        }
        return StoreResult.Ok;
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

    /// <summary>Records consumed and awaiting <see cref="EraseAllPending"/>.</summary>
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
    /// <c>ss_diag_read_at</c>: the record at <paramref name="offset"/> counted from the oldest retained
    /// record (pending first, then unsent). Does not move any cursor. OutOfRange past the last record.
    /// </summary>
    public StoreResult DiagReadAt(ulong offset, out SensorRecord record)
    {
        record = default;
        lock (Gate)
        {
            ulong remaining = offset;
            Span<byte> one = stackalloc byte[RecordCodec.MaxSize];
            for (int i = 0; i < _segments.Count; i++)
            {
                DiskSegment s = _segments[i];
                ulong start = Math.Max(s.Start, _erased);
                if (s.End <= start)
                {
                    continue;
                }
                ulong n = s.End - start;
                if (remaining < n)
                {
                    ulong index = start + remaining;
                    bool valid;
                    try
                    {
                        valid = _store.DiskCache.TryCopy(this, _disk!, s, (int)(index - s.First), 1, one);
                    }
                    catch (IOException e)
                    {
                        _store.ReportReadFailure(e); // the disk did not answer: the sector is kept, nothing is dropped
                        return StoreResult.IoError;
                    }
                    if (!valid)
                    {
                        DropCorruptSegmentLocked(i);
                        return DiagReadAt(offset, out record);
                    }
                    record = Decode(index, one);
                    return StoreResult.Ok;
                }
                remaining -= n;
            }
            for (int s = _head; s != -1; s = _pool.Next(s))
            {
                Span<byte> sector = _pool.Sector(s);
                ulong first = SectorHeader.First(sector);
                int count = SectorHeader.Count(sector);
                ulong start = Math.Max(first, _erased);
                if (first + (ulong)count <= start)
                {
                    continue;
                }
                ulong n = first + (ulong)count - start;
                if (remaining < n)
                {
                    ulong index = start + remaining;
                    record = Decode(index, sector.Slice(SectorHeader.Size + ((int)(index - first) * _recordSize)));
                    return StoreResult.Ok;
                }
                remaining -= n;
            }
        }
        return StoreResult.OutOfRange;
    }

    /// <summary><c>ss_consume_next</c>: moves the oldest unsent record to pending and returns it; TryAgain when none.</summary>
    public StoreResult ConsumeNext(out SensorRecord record)
    {
        Span<byte> one = stackalloc byte[RecordCodec.MaxSize];
        StoreResult r = ConsumeBatch(one.Slice(0, _recordSize), out int n, out ulong first);
        record = r == StoreResult.Ok && n == 1 ? Decode(first, one) : default;
        return r;
    }

    /// <summary>
    /// <c>ss_consume_batch</c>: copies up to <c>destination.Length / record size</c> unsent records (4 or
    /// 12 bytes each, little-endian, as stored) and marks them pending. A batch never spans a gap in the
    /// indices (left by dropped sectors), so its records are <c>firstIndex .. firstIndex + count − 1</c>.
    /// A disk read that fails (EIO) ends the batch with what it has (IoError when nothing): the sector is kept, never
    /// taken for corrupt, and read again by the next call.
    /// </summary>
    public StoreResult ConsumeBatch(Span<byte> destination, out int count, out ulong firstIndex)
    {
        count = 0;
        firstIndex = 0;
        int max = destination.Length / _recordSize;
        if (max == 0)
        {
            return StoreResult.InvalidArgument;
        }
        lock (Gate)
        {
            bool triedMeta = false;
            while (count < max)
            {
                if (!LocateLocked(_pendingIndex, out Location loc))
                {
                    break;
                }
                if (count > 0 && loc.Start != firstIndex + (ulong)count)
                {
                    break; // a gap: the next batch starts after it
                }
                if (loc.Start >= _reservedTail)
                {
                    // Never hand out an index past the durable reservation (a power cut would give it out again): when
                    // the meta that reserves it fails, these records wait in the store until a meta write succeeds.
                    if (triedMeta || WriteMetaLocked() != StoreResult.Ok)
                    {
                        if (count == 0)
                        {
                            return StoreResult.IoError;
                        }
                        break;
                    }
                    triedMeta = true;
                }
                int take = (int)Math.Min(Math.Min((ulong)(max - count), loc.End - loc.Start), _reservedTail - loc.Start);
                Span<byte> dest = destination.Slice(count * _recordSize, take * _recordSize);
                if (loc.DiskIndex >= 0)
                {
                    DiskSegment s = _segments[loc.DiskIndex];
                    bool valid;
                    try
                    {
                        valid = _store.DiskCache.TryCopy(this, _disk!, s, (int)(loc.Start - s.First), take, dest);
                    }
                    catch (IOException e)
                    {
                        _store.ReportReadFailure(e);
                        if (count == 0)
                        {
                            return StoreResult.IoError;
                        }
                        break;
                    }
                    if (!valid)
                    {
                        DropCorruptSegmentLocked(loc.DiskIndex);
                        continue;
                    }
                }
                else
                {
                    Span<byte> sector = _pool.Sector(loc.RamSector);
                    sector.Slice(SectorHeader.Size + ((int)(loc.Start - loc.First) * _recordSize), take * _recordSize).CopyTo(dest);
                }
                if (count == 0)
                {
                    firstIndex = loc.Start;
                }
                count += take;
                _pendingIndex = loc.Start + (ulong)take;
                _pendingCount += take;
            }
        }
        return count > 0 ? StoreResult.Ok : StoreResult.TryAgain;
    }

    /// <summary>Typed <see cref="ConsumeBatch(Span{byte}, out int, out ulong)"/> for time-series sensors.</summary>
    public StoreResult ConsumeBatch(Span<uint> destination, out int count, out ulong firstIndex)
    {
        if (Type != SensorType.TimeSeries)
        {
            count = 0;
            firstIndex = 0;
            return StoreResult.InvalidArgument;
        }
        return ConsumeBatch(System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination), out count, out firstIndex);
    }

    /// <summary>Typed <see cref="ConsumeBatch(Span{byte}, out int, out ulong)"/> for event sensors.</summary>
    public StoreResult ConsumeBatch(Span<EventRecord> destination, out int count, out ulong firstIndex)
    {
        if (Type != SensorType.Event)
        {
            count = 0;
            firstIndex = 0;
            return StoreResult.InvalidArgument;
        }
        return ConsumeBatch(System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination), out count, out firstIndex);
    }

    /// <summary>
    /// <c>ss_erase_all_pending</c>: forgets every pending record (call it on the cloud's acknowledgement) and
    /// frees the sectors that became empty. Ok also when nothing was pending.
    /// </summary>
    public StoreResult EraseAllPending()
    {
        lock (Gate)
        {
            if (_pendingCount == 0)
            {
                return StoreResult.Ok;
            }
            _erased = _pendingIndex;
            _retained -= _pendingCount;
            _totalErased += (ulong)_pendingCount;
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
        }
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

    private SensorRecord Decode(ulong index, ReadOnlySpan<byte> bytes) => RecordCodec.Read(bytes, Type, index);

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

    /// <summary>Where a stream position lives: a disk segment or a RAM sector, and the records from there.</summary>
    private readonly record struct Location(int DiskIndex, int RamSector, ulong First, ulong Start, ulong End);

    /// <summary>The first retained record at or after <paramref name="index"/>.</summary>
    private bool LocateLocked(ulong index, out Location location)
    {
        for (int i = 0; i < _segments.Count; i++)
        {
            DiskSegment s = _segments[i];
            if (s.End > index && s.End > _erased)
            {
                location = new Location(i, -1, s.First, Math.Max(Math.Max(index, s.Start), _erased), s.End);
                return true;
            }
        }
        for (int s = _head; s != -1; s = _pool.Next(s))
        {
            Span<byte> sector = _pool.Sector(s);
            ulong first = SectorHeader.First(sector);
            ulong end = first + (ulong)SectorHeader.Count(sector);
            if (end > index && end > _erased)
            {
                location = new Location(-1, s, first, Math.Max(Math.Max(index, first), _erased), end);
                return true;
            }
        }
        location = default;
        return false;
    }

    /// <summary>Makes room in the tail sector: reset it, chain a new one, flush to disk, or recycle (profile policy).</summary>
    private StoreResult PrepareWrite()
    {
        if (_next >= _writeLimit && WriteMetaLocked() != StoreResult.Ok)
        {
            // The disk refuses the reservation: keep the data (losing it is worse) and retry a little later; the
            // health flag is down and the manager retries every tick. Records past the durable reservation are not
            // handed to a consumer (ConsumeBatch stops at it) until a meta write makes it durable, so an index a power
            // cut could give out again was never seen by anyone: no idempotency key is ever used twice.
            _writeLimit = _next + Math.Max(1, _store.Options.IndexReservation / 4);
        }
        Span<byte> tail = _pool.Sector(_tail);
        int count = SectorHeader.Count(tail);
        if (count < _perSector)
        {
            return StoreResult.Ok;
        }
        if (SectorHeader.First(tail) + (ulong)count <= _erased && _ramSectors == 1)
        {
            ResetTailLocked(); // every record in it was erased: reuse in place
            return StoreResult.Ok;
        }
        if (_store.Options.RamCrc)
        {
            SectorHeader.Seal(tail, _recordSize);
        }
        int fresh = _pool.AllocateExtra();
        if (fresh < 0 && _disk is not null)
        {
            // Linux, RAM exhausted: move this sensor's sealed sectors to disk now (the backpressure path).
            if (FlushLocked(includeOpen: true, int.MaxValue) == StoreResult.Ok && SectorHeader.Count(_pool.Sector(_tail)) == 0)
            {
                return StoreResult.Ok;
            }
            fresh = _pool.AllocateExtra();
        }
        if (fresh < 0)
        {
            return RecycleLocked();
        }
        _pool.Next(_tail) = fresh;
        _tail = fresh;
        _ramSectors++;
        SectorHeader.Init(_pool.Sector(fresh), Type, _next);
        _tailOpenedAt = _store.Clock.GetTimestamp();
        return StoreResult.Ok;
    }

    /// <summary>
    /// Pool exhausted: give up this sensor's oldest sector that holds only unsent records and reuse it for
    /// the newest data; when every sector holds pending records, drop the new write instead.
    /// </summary>
    private StoreResult RecycleLocked()
    {
        int prev = -1;
        for (int s = _head; s != -1; prev = s, s = _pool.Next(s))
        {
            Span<byte> sector = _pool.Sector(s);
            ulong first = SectorHeader.First(sector);
            int count = SectorHeader.Count(sector);
            bool holdsPending = _pendingCount > 0 && first < _pendingIndex;
            if (count == 0 || holdsPending)
            {
                continue;
            }
            ulong start = Math.Max(first, _erased);
            ulong lost = first + (ulong)count > start ? first + (ulong)count - start : 0;
            _retained -= (long)lost;
            _droppedRecycled += lost;
            if (s != _tail)
            {
                if (prev == -1)
                {
                    _head = _pool.Next(s);
                }
                else
                {
                    _pool.Next(prev) = _pool.Next(s);
                }
                _pool.Next(_tail) = s;
                _pool.Next(s) = -1;
                _tail = s;
            }
            if (_pendingCount == 0 && _pendingIndex < _next)
            {
                _pendingIndex = FirstRetainedLocked();
            }
            SectorHeader.Init(sector, Type, _next);
            _tailOpenedAt = _store.Clock.GetTimestamp();
            return StoreResult.Ok;
        }
        _droppedNew++;
        return StoreResult.NoSpace;
    }

    private void ResetTailLocked()
    {
        SectorHeader.Init(_pool.Sector(_tail), Type, _next);
        _tailOpenedAt = _store.Clock.GetTimestamp();
    }

    /// <summary>Frees head sectors whose records are all erased; the tail is reset instead when it is emptied.</summary>
    private void FreeErasedRamSectorsLocked()
    {
        while (_head != _tail)
        {
            Span<byte> sector = _pool.Sector(_head);
            if (SectorHeader.First(sector) + (ulong)SectorHeader.Count(sector) > _erased)
            {
                break;
            }
            int s = _head;
            _head = _pool.Next(s);
            _pool.FreeExtra(s);
            _ramSectors--;
        }
        if (_head == _tail)
        {
            Span<byte> tail = _pool.Sector(_tail);
            int count = SectorHeader.Count(tail);
            if (count > 0 && SectorHeader.First(tail) + (ulong)count <= _erased)
            {
                ResetTailLocked();
            }
        }
    }

    private long RamRecordsLocked()
    {
        long n = 0;
        for (int s = _head; s != -1; s = _pool.Next(s))
        {
            Span<byte> sector = _pool.Sector(s);
            ulong first = SectorHeader.First(sector);
            ulong end = first + (ulong)SectorHeader.Count(sector);
            ulong start = Math.Max(first, _erased);
            if (end > start)
            {
                n += (long)(end - start);
            }
        }
        return n;
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

    /// <summary>
    /// Moves RAM records (sealed sectors, and the open one when asked) to disk sectors: append to the last
    /// disk sector by writing a longer copy to a fresh slot, or start new sectors; each sector is written
    /// and fsynced, and only then are the RAM sectors freed (the meta follows in the manager pass). On a
    /// write failure nothing moves (the sectors stay dirty in RAM and are retried next tick).
    /// </summary>
    private StoreResult FlushLocked(bool includeOpen, int maxSectors)
    {
        DiskLog disk = _disk!;
        // Which RAM sectors move: from the head, sealed ones, then the tail when asked.
        int moveCount = 0;
        bool moveTail = false;
        for (int s = _head; s != -1 && moveCount < maxSectors; s = _pool.Next(s))
        {
            if (s == _tail)
            {
                moveTail = includeOpen && SectorHeader.Count(_pool.Sector(s)) > 0;
                if (moveTail)
                {
                    moveCount++;
                }
                break;
            }
            moveCount++;
        }
        if (moveCount == 0)
        {
            return StoreResult.Ok;
        }

        byte[] image = ArrayPool<byte>.Shared.Rent(disk.SectorSize);
        var written = new List<DiskSegment>();
        int replacedSlot = -1;
        int quotaTaken = 0;
        try
        {
            Span<byte> img = image.AsSpan(0, disk.SectorSize);
            int imgCount = 0;
            ulong imgFirst = 0;
            int imgSkip = 0;
            int loadedCount = -1;
            bool imgOpen = false;

            // Continue the last disk sector when the first record to move follows it directly.
            ulong firstToMove = MoveStart(_head);
            if (_segments.Count > 0)
            {
                DiskSegment last = _segments[^1];
                if (last.End == firstToMove && last.Count < _diskPerSector && TryReadForContinuation(last, img))
                {
                    imgOpen = true;
                    imgFirst = last.First;
                    imgCount = last.Count;
                    imgSkip = last.Skip;
                    loadedCount = last.Count;
                    replacedSlot = last.Slot;
                }
            }

            int moved = 0;
            for (int s = _head; moved < moveCount; s = _pool.Next(s), moved++)
            {
                Span<byte> sector = _pool.Sector(s);
                ulong first = SectorHeader.First(sector);
                int count = SectorHeader.Count(sector);
                ulong start = Math.Max(first, _erased);
                ulong index = start;
                ulong end = first + (ulong)count;
                while (index < end)
                {
                    if (imgOpen && (imgCount == _diskPerSector || imgFirst + (ulong)imgCount != index))
                    {
                        if (!WriteImage(img, imgFirst, imgCount, imgSkip, written, ref quotaTaken, replacedSlot >= 0 && written.Count == 0))
                        {
                            return StoreResult.NoSpace;
                        }
                        imgOpen = false;
                    }
                    if (!imgOpen)
                    {
                        SectorHeader.Init(img, Type, index);
                        imgFirst = index;
                        imgCount = 0;
                        imgSkip = 0;
                        imgOpen = true;
                    }
                    int take = (int)Math.Min(end - index, (ulong)(_diskPerSector - imgCount));
                    sector.Slice(SectorHeader.Size + ((int)(index - first) * _recordSize), take * _recordSize)
                        .CopyTo(img.Slice(SectorHeader.Size + (imgCount * _recordSize)));
                    imgCount += take;
                    index += (ulong)take;
                }
            }
            bool untouchedContinuation = written.Count == 0 && replacedSlot >= 0 && imgFirst == _segments[^1].First && imgCount == loadedCount;
            if (imgOpen && imgCount > 0 && !untouchedContinuation)
            {
                if (!WriteImage(img, imgFirst, imgCount, imgSkip, written, ref quotaTaken, replacedSlot >= 0 && written.Count == 0))
                {
                    return StoreResult.NoSpace;
                }
            }
        }
        catch (IOException e)
        {
            // Includes FsyncFailedException: the file is then rewritten before its next write (DiskLog.RewriteDataFile).
            foreach (DiskSegment w in written)
            {
                disk.ReturnUnusedSlot(w.Slot);
            }
            _store.ReturnDiskQuota(quotaTaken);
            _consecutiveFailures++;
            _store.ReportDiskFailure(_consecutiveFailures, "writing sectors to", disk.DataPath, e);
            return StoreResult.IoError;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(image);
        }

        // Commit: the new sectors are durable; swap them in, then free the RAM they came from.
        if (written.Count > 0)
        {
            if (replacedSlot >= 0 && written[0].First == _segments[^1].First && written[0].Slot != _segments[^1].Slot)
            {
                _store.ReleaseDiskSlot(disk, replacedSlot);
                _segments[^1] = written[0];
                written.RemoveAt(0);
            }
            _segments.AddRange(written);
            _diskTail = _segments[^1].End;
        }
        for (int i = 0; i < moveCount; i++)
        {
            if (_head == _tail)
            {
                ResetTailLocked();
                break;
            }
            int s = _head;
            _head = _pool.Next(s);
            _pool.FreeExtra(s);
            _ramSectors--;
        }
        _store.ReportDiskSuccess(disk.DataPath, _consecutiveFailures);
        _consecutiveFailures = 0;
        // The records are durable now (their sectors are fsynced; recovery finds sectors newer than the
        // meta). The meta that names them and frees the replaced slots follows in the manager pass, so a
        // writer flushing under backpressure pays one fsync, not three.
        _metaDirty = true;
        return StoreResult.Ok;
    }

    /// <summary>Reads the last disk sector to extend it; a read error only means a new sector is started instead.</summary>
    private bool TryReadForContinuation(DiskSegment last, Span<byte> image)
    {
        try
        {
            return _disk!.ReadSector(last, image);
        }
        catch (IOException e)
        {
            _store.ReportReadFailure(e);
            return false;
        }
    }

    private ulong MoveStart(int sector)
    {
        Span<byte> s = _pool.Sector(sector);
        return Math.Max(SectorHeader.First(s), _erased);
    }

    /// <summary>Writes one disk sector image to a fresh slot (under quota), recording it in <paramref name="written"/>.</summary>
    private bool WriteImage(Span<byte> img, ulong first, int count, int skip, List<DiskSegment> written, ref int quotaTaken, bool replacesLast)
    {
        DiskLog disk = _disk!;
        if (replacesLast)
        {
            _store.TakeDiskQuotaForReplacement(); // the old copy is released at commit: net zero
            quotaTaken++;
        }
        else
        {
            while (!_store.TryTakeDiskQuota())
            {
                if (!DropOldestUnsentDiskSegmentLocked(keepLast: true) && !_store.DropForQuota(this))
                {
                    foreach (DiskSegment w in written)
                    {
                        disk.ReturnUnusedSlot(w.Slot);
                    }
                    _store.ReturnDiskQuota(quotaTaken);
                    return false;
                }
            }
            quotaTaken++;
        }
        SectorHeader.SetCount(img, count);
        BinaryPrimitives.WriteUInt64LittleEndian(img.Slice(SectorHeader.FirstOffset), first);
        SectorHeader.Seal(img, _recordSize);
        int slot = disk.AllocateSlot();
        written.Add(new DiskSegment(slot, first, count, skip));
        int rewrites = disk.Rewrites;
        try
        {
            disk.WriteSector(slot, img);
        }
        finally
        {
            if (disk.Rewrites != rewrites)
            {
                _store.ReportRewrite(disk.DataPath);
            }
        }
        return true;
    }

    /// <summary>Drops this sensor's oldest disk sector holding only unsent records (quota); false when none.</summary>
    internal bool DropOldestUnsentDiskSegmentLocked(bool keepLast)
    {
        int limit = keepLast ? _segments.Count - 1 : _segments.Count;
        for (int i = 0; i < limit; i++)
        {
            DiskSegment s = _segments[i];
            if (_pendingCount > 0 && s.Start < _pendingIndex)
            {
                continue;
            }
            ulong start = Math.Max(s.Start, _erased);
            ulong lost = s.End > start ? s.End - start : 0;
            _retained -= (long)lost;
            _droppedQuota += lost;
            _store.ReleaseDiskSlot(_disk!, s.Slot);
            _store.ReportQuotaEviction(lost);
            _segments.RemoveAt(i);
            _metaDirty = true;
            if (_pendingCount == 0)
            {
                _pendingIndex = FirstRetainedLocked();
            }
            return true;
        }
        return false;
    }

    /// <summary>Unsent disk sectors this sensor could give up to the quota (caller holds <see cref="Gate"/>).</summary>
    internal int DroppableDiskSegments
    {
        get
        {
            int n = 0;
            foreach (DiskSegment s in _segments)
            {
                if (_pendingCount == 0 || s.Start >= _pendingIndex)
                {
                    n++;
                }
            }
            return n;
        }
    }

    private void DropCorruptSegmentLocked(int i)
    {
        DiskSegment s = _segments[i];
        ulong start = Math.Max(s.Start, _erased);
        ulong lost = s.End > start ? s.End - start : 0;
        ulong pendingLost = 0;
        if (_pendingCount > 0 && start < _pendingIndex)
        {
            pendingLost = Math.Min(_pendingIndex, s.End) - start;
        }
        _retained -= (long)lost;
        _pendingCount -= (long)pendingLost;
        _droppedCorrupt += lost;
        _store.ReleaseDiskSlot(_disk!, s.Slot);
        _store.ReportCorruptSector($"{_disk!.DataPath}: slot {s.Slot} (records {s.Start}..{s.End - 1}) failed its CRC when read; dropped");
        Log.CorruptSectorDropped(_store.Logger, _disk.DataPath, s.Slot, s.Start, s.End - 1, lost);
        _segments.RemoveAt(i);
        _metaDirty = true;
    }

    /// <summary>Persists cursors, the live sector list and a fresh index reservation (write temp, fsync, rename, fsync dir).</summary>
    private StoreResult WriteMetaLocked()
    {
        if (_disk is null)
        {
            return StoreResult.Ok;
        }
        ulong reservation = _store.Options.IndexReservation;
        ulong reserved = ((_next / reservation) + 2) * reservation;
        try
        {
            _disk.WriteMeta(_erased, _diskTail, reserved, _segments);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _consecutiveFailures++;
            _store.ReportDiskFailure(_consecutiveFailures, "writing the meta", _disk.MetaPath, e);
            return StoreResult.IoError;
        }
        _reservedTail = _writeLimit = reserved;
        _metaDirty = false;
        _store.ReportDiskSuccess(_disk.MetaPath, _consecutiveFailures);
        _consecutiveFailures = 0;
        return StoreResult.Ok;
    }

    internal void DisposeDisk() => _disk?.Dispose();
}
