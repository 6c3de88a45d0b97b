// Reading records back: locating an index in the disk segments or RAM sectors, the diagnostic read and consuming.

namespace ParquetFlow.SensorStore;

public sealed partial class SensorLog
{
    /// <summary>
    /// <c>ss_diag_read_at</c>: the record at <paramref name="offset"/> counted from the oldest retained
    /// record (pending first, then unsent). Does not move any cursor. OutOfRange past the last record.
    /// </summary>
    internal StoreResult DiagReadAt(ulong offset, out SensorRecord record)
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
    internal StoreResult ConsumeNext(out SensorRecord record)
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
    internal StoreResult ConsumeBatch(Span<byte> destination, out int count, out ulong firstIndex)
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

    /// <summary>Typed <see cref="ConsumeBatch(Span{byte}, out int, out ulong)"/> for time-series sensors (InvalidArgument on an event sensor).</summary>
    internal StoreResult ConsumeBatch(Span<uint> destination, out int count, out ulong firstIndex)
    {
        if (Type != SensorType.TimeSeries)
        {
            count = 0;
            firstIndex = 0;
            return StoreResult.InvalidArgument;
        }
        return ConsumeBatch(System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination), out count, out firstIndex);
    }

    /// <summary>Typed <see cref="ConsumeBatch(Span{byte}, out int, out ulong)"/> for event sensors (InvalidArgument on a time-series sensor).</summary>
    internal StoreResult ConsumeBatch(Span<EventRecord> destination, out int count, out ulong firstIndex)
    {
        if (Type != SensorType.Event)
        {
            count = 0;
            firstIndex = 0;
            return StoreResult.InvalidArgument;
        }
        return ConsumeBatch(System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination), out count, out firstIndex);
    }

    private SensorRecord Decode(ulong index, ReadOnlySpan<byte> bytes) => RecordCodec.Read(bytes, Type, index);

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
}
