using System.Runtime.InteropServices;

namespace ParquetFlow.Native;

/// <summary>
/// The C configuration struct of <c>ss_init_system</c>; zero means "the profile's default":
/// <code>
/// typedef struct SsInitCfg {
///     uint32_t profile;              /* 0 STM32, 1 Linux */
///     uint32_t ram_sector_size;
///     uint32_t memory_budget_bytes;  /* STM32 */
///     uint32_t ram_pool_bytes;       /* Linux shared pool */
///     uint32_t max_sensors;
///     uint32_t disk_sector_size;
///     uint64_t disk_quota_bytes;
///     uint32_t high_watermark_pct;
///     uint32_t flush_batch_sectors;
///     uint32_t force_seal_ms;
///     uint32_t shutdown_budget_ms;
///     const char *directory;         /* UTF-8, Linux */
/// } SsInitCfg;
/// </code>
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SsInitCfg
{
    public uint Profile;
    public uint RamSectorSize;
    public uint MemoryBudgetBytes;
    public uint RamPoolBytes;
    public uint MaxSensors;
    public uint DiskSectorSize;
    public ulong DiskQuotaBytes;
    public uint HighWatermarkPercent;
    public uint FlushBatchSectors;
    public uint ForceSealMs;
    public uint ShutdownBudgetMs;
    public byte* Directory;
}
