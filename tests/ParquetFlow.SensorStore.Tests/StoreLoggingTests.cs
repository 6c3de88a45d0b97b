using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using ParquetFlow.Durability;
using ParquetFlow.Durability.Faults;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>What the store reports through <see cref="SensorStoreOptions.Logger"/> when its disk is damaged, full or failing.</summary>
public sealed partial class StoreLoggingTests
{
    private readonly ListLogger _logger = new();

    private SensorStoreOptions Small(string dir) => SensorStoreOptions.Linux(dir) with
    {
        RamPoolBytes = 4 * 4096,
        MaxSensors = 16,
        DiskSectorSize = 8192,
        Logger = _logger,
    };

    private static SensorLog Init(SensorStoreSystem store, uint id = 1)
    {
        Assert.Equal(StoreResult.Ok, store.InitSensor(SensorSource.Host, id, SensorType.TimeSeries, out SensorLog? s));
        return s!;
    }

    private static void Add(SensorLog s, ulong from, ulong to)
    {
        for (ulong i = from; i < to; i++)
        {
            s.AddTimeSeries((uint)i);
        }
    }

    /// <summary>Writes 6,000 records (three disk sectors and more) of sensor 9 to disk, then flips a bit in slot 1's records.</summary>
    private string WriteAndDamageSlotOne(string dir)
    {
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(dir) with { Logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance }))
        {
            Add(Init(store, 9), 0, 6000);
            Assert.True(store.FlushForShutdown());
        }

        string dat = Path.Combine(dir, "host", "sensor_0000000009.dat");
        byte[] bytes = File.ReadAllBytes(dat);
        bytes[8192 + 100] ^= 0x10;
        File.WriteAllBytes(dat, bytes);
        return dat;
    }

    [Fact]
    public void A_corrupt_sector_skipped_at_recovery_is_logged_as_a_warning_naming_its_slot()
    {
        using var dir = new TempDirectory();
        string dat = WriteAndDamageSlotOne(dir.Path);
        File.Delete(Path.Combine(dir.Path, "host", "sensor_0000000009.meta")); // recovery scans every slot

        using SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path));

        LogEntry skipped = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Equal($"{dat}: slot 1 fails its CRC or header check; skipped at recovery", skipped.Message);
        Assert.Single(_logger.Matching(LogLevel.Information, $"opened store {dir.Path}: 1 sensors recovered (0 from their meta), 0 not recovered, 1 corrupt sectors skipped"));
    }

    [Fact]
    public void A_corrupt_sector_the_meta_lists_is_logged_when_read_with_its_slot_and_records()
    {
        using var dir = new TempDirectory();
        string dat = WriteAndDamageSlotOne(dir.Path);

        using SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path));
        SensorLog s = store.Find(SensorSource.Host, 9)!;
        var buffer = new uint[4000];
        while (s.ConsumeBatch(buffer, out _, out _) == StoreResult.Ok)
        {
        }

        LogEntry dropped = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.StartsWith($"{dat}: slot 1 (records ", dropped.Message, StringComparison.Ordinal);
        Assert.EndsWith($") failed its CRC when read; {s.GetStats().DroppedCorrupt} records dropped", dropped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quota_evictions_are_logged_when_they_start_and_at_close_not_per_sector()
    {
        using var dir = new TempDirectory();
        SensorStoreOptions options = Small(dir.Path) with { DiskQuotaBytes = 4 * 8192 };
        SensorLog s;
        ulong droppedQuota;
        using (SensorStoreSystem store = SensorStoreSystem.Open(options))
        {
            s = Init(store);
            for (ulong i = 0; i < 40_000; i += 1000)
            {
                Add(s, i, i + 1000);
                store.Tick();
            }

            Assert.Equal(StoreResult.Ok, store.FlushAll());
            droppedQuota = s.GetStats().DroppedQuota;
        }

        IReadOnlyList<LogEntry> evictions = _logger.Matching(LogLevel.Warning, "disk quota of 32768 bytes reached");
        Assert.True(droppedQuota > 0 && evictions.Count is 1 or 2, _logger.ToString());
        Assert.StartsWith("disk quota of 32768 bytes reached: 1 oldest unsent sectors", evictions[0].Message, StringComparison.Ordinal);

        // Together the reports account for every record the quota dropped.
        long records = evictions.Sum(e => long.Parse(RecordsDropped().Match(e.Message).Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal((long)droppedQuota, records);
    }

    [Fact]
    public void A_failing_disk_is_logged_when_writes_start_failing_when_the_store_turns_unhealthy_and_when_it_recovers()
    {
        using var dir = new TempDirectory();
        var storage = new FaultyStorage();
        using SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path) with { Storage = storage, HighWatermark = 0.5 });
        storage.Fail(StorageFault.IOError, StorageOperation.Write, times: int.MaxValue);
        SensorLog s = Init(store);
        Add(s, 0, 3000);
        for (int t = 0; t < 5; t++)
        {
            store.Tick();
        }

        // The first failure (of a sector or of the meta, whichever the pass wrote first) and the third; not the others.
        string stem = Path.Combine(dir.Path, "host", "sensor_0000000001.");
        IReadOnlyList<LogEntry> warnings = _logger.Matching(LogLevel.Warning, stem, "failed (", "injected", "retried on the next manager pass");
        Assert.True(warnings.Count == 1 && _logger.Entries.Count(e => e.Level == LogLevel.Warning) == 1, _logger.ToString());
        Assert.Single(_logger.Matching(LogLevel.Error, "3 consecutive disk writes failed, the last ", stem, "the store reports itself unhealthy"));
        Assert.True(store.GetStats().DiskWriteFailures >= 5);

        storage.ClearFaults();
        store.Tick();
        Assert.True(_logger.Matching(LogLevel.Information, "disk writes to " + stem, $"succeed again after {store.GetStats().DiskWriteFailures} failures").Count == 1, _logger.ToString());
    }

    [GeneratedRegex(@"\((\d+) records\)")]
    private static partial Regex RecordsDropped();
}
