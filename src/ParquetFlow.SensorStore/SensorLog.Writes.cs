// Appending records: room at the tail sector (chaining, flushing or recycling when full), then the write.
using System.Runtime.CompilerServices;

namespace ParquetFlow.SensorStore;

public sealed unsafe partial class SensorLog
{
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
    internal StoreResult AddTimeSeries(uint value)
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
    internal StoreResult AddEvent(uint value, ulong timestampMs)
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
}
