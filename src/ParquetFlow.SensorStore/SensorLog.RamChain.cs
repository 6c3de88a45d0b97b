// The chain of RAM sectors: recycling under a full pool, resetting the tail, freeing erased head sectors.

namespace ParquetFlow.SensorStore;

public sealed partial class SensorLog
{
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
}
