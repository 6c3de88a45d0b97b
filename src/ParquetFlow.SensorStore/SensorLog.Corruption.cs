// A disk sector that fails its CRC when read: dropped, counted and reported, never returned.

namespace ParquetFlow.SensorStore;

public sealed partial class SensorLog
{
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
}
