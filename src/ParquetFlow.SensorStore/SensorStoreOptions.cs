using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParquetFlow.Durability;

namespace ParquetFlow.SensorStore;

/// <summary>
/// The document's <c>SsInitCfg</c>: every size, threshold and interval is a runtime option; the two
/// factories give the document's numbers as defaults.
/// </summary>
public sealed record SensorStoreOptions
{
    /// <summary>Bytes of the sector header on every profile (payload 240 B on a 256 B sector).</summary>
    public const int SectorHeaderSize = 16;

    /// <summary>Accounted bytes per sensor on the STM32 profile: the C <c>SensorStorage</c> struct (id, type,
    /// source, lock, head/tail sector links, three 64-bit cursors, three 64-bit tallies, drop counter).</summary>
    public const int Stm32BytesPerSensor = 48;

    /// <summary>Accounted bytes of fixed system state on the STM32 profile (config, pool header and mutex, manager).</summary>
    public const int Stm32SystemBytes = 256;

    /// <summary>Accounted bytes per sector besides its data: the 16-bit next link of the free list / chain.</summary>
    public const int Stm32BytesPerSectorLink = 2;

    /// <summary>Which target is modelled.</summary>
    public StoreProfile Profile { get; init; } = StoreProfile.Linux;

    /// <summary>RAM sector size in bytes (header included). STM32: 256, Linux: 4096.</summary>
    public int RamSectorSize { get; init; } = 4096;

    /// <summary>Hard RAM budget (data + metadata) on the STM32 profile; the pool is carved so it is never exceeded.</summary>
    public int MemoryBudgetBytes { get; init; } = 32 * 1024;

    /// <summary>Linux: the shared RAM pool in bytes, on top of the one sector every sensor holds from start-up.</summary>
    public int RamPoolBytes { get; init; } = 64 * 1024;

    /// <summary>Most sensors over all sources (STM32: 100, Linux: 2048).</summary>
    public int MaxSensors { get; init; } = 2048;

    /// <summary>Disk sector size (Linux). Sectors sit at multiples of this offset in each sensor's file.</summary>
    public int DiskSectorSize { get; init; } = 64 * 1024;

    /// <summary>Total disk quota over every sensor file (Linux).</summary>
    public long DiskQuotaBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Fraction of the shared RAM pool at which the manager starts spilling to disk (Linux).</summary>
    public double HighWatermark { get; init; } = 0.80;

    /// <summary>Most RAM sectors of one sensor moved to disk per manager pass.</summary>
    public int FlushBatchSectors { get; init; } = 64;

    /// <summary>While spilling, an open sector older than this is force-sealed and flushed too (Linux).</summary>
    public TimeSpan ForceSealInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long <see cref="SensorStoreSystem.FlushForShutdown"/> may take by default.</summary>
    public TimeSpan ShutdownFlushBudget { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Consecutive failed disk writes after which <see cref="StoreStats.Healthy"/> turns false.</summary>
    public int DiskFailuresBeforeUnhealthy { get; init; } = 3;

    /// <summary>Record indices reserved per meta write, so that no index is ever reused after a power cut
    /// (the uploader's idempotency key contains it).</summary>
    public ulong IndexReservation { get; init; } = 1UL << 20;

    /// <summary>STM32 (no persistent state): the first record index of every sensor, e.g. a boot counter
    /// shifted left by 40 bits, so batch keys stay unique across reboots.</summary>
    public ulong InitialIndex { get; init; }

    /// <summary>Compute a CRC32C at seal for RAM sectors (disk sectors always carry one).</summary>
    public bool RamCrc { get; init; } = true;

    /// <summary>Linux: the store's root directory (holds <c>host/</c>, <c>application/</c>, <c>can/</c>).</summary>
    public string? Directory { get; init; }

    /// <summary>The clock used for sector ages and the shutdown budget (tests jump it).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The storage every file of the store is read, written, fsynced and renamed through (Linux profile); tests inject faults here.</summary>
    public Storage Storage { get; init; } = Storage.Default;

    /// <summary>
    /// Where the store reports what it recovered (Information), corrupt sectors skipped or dropped, quota evictions (at
    /// most once per 10 s), failed disk writes and data files rewritten (Warning), and reads that fail, sensors not
    /// recovered and an unhealthy disk (Error). Never called per record. Default none.
    /// </summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>The document's STM32 numbers: 256 B sectors, 32 KB budget, 100 sensors, RAM only.</summary>
    public static SensorStoreOptions Stm32() => new()
    {
        Profile = StoreProfile.Stm32,
        RamSectorSize = 256,
        MemoryBudgetBytes = 32 * 1024,
        MaxSensors = 100,
        RamPoolBytes = 0,
    };

    /// <summary>The document's Linux numbers: 4 KB RAM sectors, 64 KB shared pool, 64 KB disk sectors, 256 MB quota, 80%.</summary>
    public static SensorStoreOptions Linux(string directory) => new()
    {
        Profile = StoreProfile.Linux,
        Directory = directory,
    };

    /// <summary>Checks the options; returns null when valid, else the reason.</summary>
    public string? Validate()
    {
        if (RamSectorSize < SectorHeaderSize + RecordCodec.MaxSize || RamSectorSize > 65536)
        {
            return "RamSectorSize must hold a header and one event record and be at most 64 KB";
        }
        if (MaxSensors < 1 || MaxSensors > 65535)
        {
            return "MaxSensors must be in 1..65535";
        }
        if (Profile == StoreProfile.Linux)
        {
            if (string.IsNullOrEmpty(Directory))
            {
                return "the Linux profile needs a Directory";
            }
            if (DiskSectorSize < 4096 || DiskSectorSize % 4096 != 0 || DiskSectorSize > 256 * 1024
                || (DiskSectorSize - SectorHeaderSize) / 4 > ushort.MaxValue)
            {
                return "DiskSectorSize must be a multiple of 4096, at most 256 KB";
            }
            if (DiskQuotaBytes < DiskSectorSize)
            {
                return "DiskQuotaBytes must hold one disk sector";
            }
            if (HighWatermark <= 0 || HighWatermark > 1)
            {
                return "HighWatermark must be in (0, 1]";
            }
            if (RamPoolBytes < 0)
            {
                return "RamPoolBytes must not be negative";
            }
        }
        if (IndexReservation == 0)
        {
            return "IndexReservation must be positive";
        }
        return null;
    }
}
