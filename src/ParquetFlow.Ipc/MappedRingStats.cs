namespace ParquetFlow.Ipc;

/// <summary>A snapshot of a <see cref="MappedRing"/>'s counters.</summary>
/// <param name="SlotCount">Number of slots.</param>
/// <param name="SlotSize">Payload bytes per slot.</param>
/// <param name="WriteIndex">Slot the next write goes to.</param>
/// <param name="ReadIndex">Slot the next read comes from.</param>
/// <param name="TotalWrites">Writes committed since the file was created or reset.</param>
/// <param name="TotalReads">Slots consumed since the file was created or reset.</param>
/// <param name="DurableWrites">Writes known to be on the device (msynced) by this process.</param>
/// <param name="TornSlots">Torn slots this process detected and skipped.</param>
public readonly record struct MappedRingStats(
    int SlotCount,
    int SlotSize,
    int WriteIndex,
    int ReadIndex,
    ulong TotalWrites,
    ulong TotalReads,
    ulong DurableWrites,
    ulong TornSlots)
{
    /// <summary>Slots written and not yet read.</summary>
    public int Count => (int)(TotalWrites - TotalReads);
}
