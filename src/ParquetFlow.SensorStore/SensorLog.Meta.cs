// The sensor's meta file: cursors, live sectors and the durable index reservation.

namespace ParquetFlow.SensorStore;

public sealed partial class SensorLog
{
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
}
