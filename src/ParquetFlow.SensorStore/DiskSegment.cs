namespace ParquetFlow.SensorStore;

/// <summary>
/// One durable disk sector of a sensor: its slot in the file, the index of its first record, its record
/// count, and how many leading records recovery found already covered by an earlier sector.
/// </summary>
internal readonly record struct DiskSegment(int Slot, ulong First, int Count, int Skip)
{
    public ulong Start => First + (ulong)Skip;

    public ulong End => First + (ulong)Count;
}
