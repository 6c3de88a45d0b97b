// The disk quota's side in one sensor: which unsent disk sectors it can give up, and giving one up.

namespace ParquetFlow.SensorStore;

public sealed partial class SensorLog
{
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
}
