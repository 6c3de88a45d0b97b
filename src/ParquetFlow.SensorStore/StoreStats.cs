namespace ParquetFlow.SensorStore;

/// <summary>Store-wide figures: pool, disk, health, memory accounting and what recovery found.</summary>
public sealed record StoreStats
{
    public StoreProfile Profile { get; init; }

    public int Sensors { get; init; }

    public int RamSectorSize { get; init; }

    public int RamSectorsUsed { get; init; }

    public int RamSectorsCapacity { get; init; }

    /// <summary>Fill of the shared part of the pool (sectors beyond each sensor's first).</summary>
    public double SharedPoolFill { get; init; }

    /// <summary>True while the Linux profile spills sealed sectors to disk.</summary>
    public bool Spilling { get; init; }

    public long DiskBytesUsed { get; init; }

    public long DiskQuotaBytes { get; init; }

    /// <summary>False once disk writes failed repeatedly (the document's health flag).</summary>
    public bool Healthy { get; init; }

    public long DiskWriteFailures { get; init; }

    /// <summary>Disk reads that failed (EIO): the sectors were kept, not taken for corrupt, and are read again later.</summary>
    public long DiskReadFailures { get; init; }

    /// <summary>Data files rewritten under a new inode because an fsync of the old one failed (it is never trusted again).</summary>
    public long DataFilesRewritten { get; init; }

    /// <summary>The last disk failure in words (file, operation, error), or null when none happened.</summary>
    public string? LastDiskError { get; init; }

    /// <summary>STM32: bytes the store accounts for (sectors, links, per-sensor state, system state).</summary>
    public int AccountedBytes { get; init; }

    /// <summary>STM32: the hard budget <see cref="AccountedBytes"/> never exceeds.</summary>
    public int MemoryBudgetBytes { get; init; }

    public int RecoveredSensors { get; init; }

    public int RecoveredFromMeta { get; init; }

    /// <summary>Sensors found on disk that could not be recovered at open (an I/O error; see <see cref="RecoveryReport"/>). Their files are kept.</summary>
    public int UnrecoveredSensors { get; init; }

    public int CorruptSectorsAtRecovery { get; init; }

    public IReadOnlyList<string> RecoveryReport { get; init; } = [];
}
