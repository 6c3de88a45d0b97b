using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParquetFlow.Durability;

namespace ParquetFlow.Ipc;

/// <summary>Geometry and flush policy of a <see cref="MappedRing"/>; the defaults are the source document's (10 slots of 1 KiB).</summary>
public sealed class MappedRingOptions
{
    /// <summary>Number of slots (default 10).</summary>
    public int SlotCount { get; init; } = MappedRingLayout.LegacySlotCount;

    /// <summary>Payload bytes per slot (default 1024); each slot also carries a 16-byte header.</summary>
    public int SlotSize { get; init; } = MappedRingLayout.LegacySlotSize;

    /// <summary>When writes are fsynced (default: every write).</summary>
    public FlushPolicy Flush { get; init; } = FlushPolicy.EveryWrite;

    /// <summary>The storage the ring file is created, opened, renamed and fsynced through (tests inject faults here).</summary>
    public Storage Storage { get; init; } = Storage.Default;

    /// <summary>
    /// Where the ring reports being created or opened (Information), a file refused or repaired and torn slots skipped
    /// (Warning), and a failed fsync (Error, once). Never called per write or read of a whole slot. Default none.
    /// </summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;
}
