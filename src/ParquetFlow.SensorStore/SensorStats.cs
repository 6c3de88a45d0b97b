namespace ParquetFlow.SensorStore;

/// <summary>One sensor's counts, sector usage and cursors (the document's <c>ss_dump_stats</c>).</summary>
public sealed record SensorStats
{
    public SensorSource Source { get; init; }

    public uint SensorId { get; init; }

    public SensorType Type { get; init; }

    /// <summary>Index of the oldest retained record (or of the next one to be written when none is retained).</summary>
    public ulong HeadIndex { get; init; }

    /// <summary>Index of the first unsent record; records between head and here are pending.</summary>
    public ulong PendingIndex { get; init; }

    /// <summary>One past the last written record.</summary>
    public ulong TailIndex { get; init; }

    public long TotalRecords { get; init; }

    public long PendingRecords { get; init; }

    public long UnsentRecords { get; init; }

    public int RamSectors { get; init; }

    public int DiskSectors { get; init; }

    public ulong TotalWritten { get; init; }

    public ulong TotalErased { get; init; }

    /// <summary>New writes refused because only pending data was left (or a disk error blocked them).</summary>
    public ulong DroppedNew { get; init; }

    /// <summary>Unsent records given up to make room for newer ones (RAM recycling).</summary>
    public ulong DroppedRecycled { get; init; }

    /// <summary>Unsent records given up to the disk quota.</summary>
    public ulong DroppedQuota { get; init; }

    /// <summary>Records lost in sectors whose CRC did not match when read.</summary>
    public ulong DroppedCorrupt { get; init; }

    public override string ToString() =>
        $"{SensorNames.Of(Source)}/{SensorId} {Type}: head={HeadIndex} pending={PendingIndex} tail={TailIndex} " +
        $"records={TotalRecords} (pending {PendingRecords}, unsent {UnsentRecords}) sectors ram={RamSectors} disk={DiskSectors} " +
        $"written={TotalWritten} erased={TotalErased} dropped new={DroppedNew} recycled={DroppedRecycled} quota={DroppedQuota} corrupt={DroppedCorrupt}";
}
