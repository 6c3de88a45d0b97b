using ParquetFlow.SensorStore;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>
/// The Linux profile on a real full disk (issue 12 §4): a tmpfs whose free blocks a filler file takes, so the kernel
/// itself refuses the store's sector and meta writes with ENOSPC.
/// </summary>
public sealed class RealFullDiskTests
{
    private static uint ValueOf(ulong index) => (uint)((index * 2654435761UL) >> 7);

    private static SensorStoreOptions Small(string dir) => SensorStoreOptions.Linux(dir) with
    {
        RamPoolBytes = 8 * 4096,
        MaxSensors = 16,
        DiskSectorSize = 8192,
    };

    [Fact]
    public void On_a_full_tmpfs_the_store_turns_unhealthy_with_the_reason_keeps_every_record_and_heals_when_space_returns()
    {
        using SmallDisk? disk = SmallDisk.TryMount(512, out string? refusal);
        if (disk is null)
        {
            Assert.Skip(refusal!);
        }

        string root = Path.Combine(disk.Path, "store");
        const ulong Durable = 3000;
        const ulong WhileFull = 2000;
        const ulong After = 1000;
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(root)))
        {
            Assert.Equal(StoreResult.Ok, store.InitSensor(SensorSource.Host, 7, SensorType.TimeSeries, out SensorLog? sensor));
            Add(sensor!, 0, Durable);
            Assert.Equal(StoreResult.Ok, store.FlushAll());

            // The disk fills: flushes fail, the store says so, and the records stay in RAM (none is dropped).
            disk.Fill();
            Add(sensor!, Durable, Durable + WhileFull);
            for (int pass = 0; pass < 4; pass++)
            {
                Assert.NotEqual(StoreResult.Ok, store.FlushAll());
            }

            StoreStats full = store.GetStats();
            Assert.False(full.Healthy);
            Assert.True(full.DiskWriteFailures > 0);
            Assert.Contains("No space left on device", full.LastDiskError, StringComparison.Ordinal);
            Assert.Equal((long)(Durable + WhileFull), sensor!.TotalRecords);

            // Space returns: the next flush stores everything and the store is healthy again, without a restart.
            disk.Free();
            Add(sensor, Durable + WhileFull, Durable + WhileFull + After);
            Assert.Equal(StoreResult.Ok, store.FlushAll());
            Assert.True(store.GetStats().Healthy);
        }

        // After a restart every record, durable before the disk filled, held while it was full and added after, reads back
        // in order with its value.
        using (SensorStoreSystem reopened = SensorStoreSystem.Open(Small(root)))
        {
            SensorLog s = reopened.Find(SensorSource.Host, 7) ?? throw new InvalidOperationException("sensor 7 was not recovered");
            var buffer = new uint[1000];
            ulong expect = 0;
            while (s.ConsumeBatch(buffer, out int n, out ulong first) == StoreResult.Ok)
            {
                Assert.Equal(expect, first);
                for (int k = 0; k < n; k++)
                {
                    Assert.Equal(ValueOf(first + (ulong)k), buffer[k]);
                }

                expect += (ulong)n;
            }

            Assert.Equal(Durable + WhileFull + After, expect);
        }
    }

    private static void Add(SensorLog sensor, ulong from, ulong to)
    {
        for (ulong i = from; i < to; i++)
        {
            Assert.Equal(StoreResult.Ok, sensor.AddTimeSeries(ValueOf(i)));
        }
    }
}
