// One disk sector kept in memory for the uploader's reads, so memory stays bounded whatever the backlog.
namespace ParquetFlow.SensorStore;

/// <summary>
/// A single-entry cache of a disk sector, shared by all sensors (the uploader reads one sensor at a time).
/// Taken inside a sensor's lock, never the other way round. A sector is CRC-checked each time it is loaded.
/// </summary>
internal sealed class DiskReadCache
{
    private readonly Lock _lock = new();
    private readonly byte[] _buffer;
    private SensorLog? _sensor;
    private DiskSegment _segment;

    public DiskReadCache(int sectorSize) => _buffer = new byte[sectorSize];

    /// <summary>Copies <paramref name="count"/> records from record <paramref name="offset"/> of the sector; false when it is corrupt.</summary>
    public bool TryCopy(SensorLog sensor, DiskLog disk, DiskSegment segment, int offset, int count, Span<byte> destination)
    {
        int recordSize = RecordCodec.Size(sensor.Type);
        lock (_lock)
        {
            if (!ReferenceEquals(_sensor, sensor) || _segment != segment)
            {
                _sensor = null;
                if (!disk.ReadSector(segment, _buffer))
                {
                    return false;
                }
                _sensor = sensor;
                _segment = segment;
            }
            _buffer.AsSpan(SectorHeader.Size + (offset * recordSize), count * recordSize).CopyTo(destination);
            return true;
        }
    }

    /// <summary>Forgets the cached sector (its slot is being reused).</summary>
    public void Invalidate(DiskLog disk, int slot)
    {
        lock (_lock)
        {
            if (_sensor is not null && _segment.Slot == slot)
            {
                _sensor = null;
            }
        }
    }
}
