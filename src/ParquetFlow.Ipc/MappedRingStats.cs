namespace ParquetFlow.Ipc;

/// <summary>A snapshot of a <see cref="MappedRing"/>'s counters.</summary>
/// <param name="SlotCount">Number of slots.</param>
/// <param name="SlotSize">Payload bytes per slot.</param>
/// <param name="WriteIndex">Slot the next write goes to.</param>
/// <param name="ReadIndex">Slot the next read comes from.</param>
/// <param name="TotalWrites">Writes committed since the file was created or reset.</param>
/// <param name="TotalReads">Slots consumed since the file was created or reset.</param>
/// <param name="DurableWrites">Writes known to be on the device (fsynced) by this process; it stops growing once an fsync failed.</param>
/// <param name="TornSlots">Torn slots this process detected and skipped.</param>
/// <param name="SyncFailed">True once an fsync of the ring file failed: nothing written since its last good fsync is known to be durable, and nothing will be again.</param>
public readonly record struct MappedRingStats(
    int SlotCount,
    int SlotSize,
    int WriteIndex,
    int ReadIndex,
    ulong TotalWrites,
    ulong TotalReads,
    ulong DurableWrites,
    ulong TornSlots,
    bool SyncFailed)
{
    /// <summary>Slots written and not yet read.</summary>
    public int Count => (int)(TotalWrites - TotalReads);
}
