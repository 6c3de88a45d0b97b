using ParquetFlow.Durability;
using ParquetFlow.Durability.Faults;
using ParquetFlow.SensorStore;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>The Linux profile under the storage seam: failing reads, failing fsyncs and power cuts.</summary>
public sealed class DiskFaultTests
{
    private static SensorStoreOptions Small(string dir, Storage storage) => SensorStoreOptions.Linux(dir) with
    {
        RamPoolBytes = 4 * 4096,
        MaxSensors = 16,
        DiskSectorSize = 8192,
        Storage = storage,
    };

    private static uint ValueOf(ulong index) => (uint)((index * 2654435761UL) >> 7);

    private static bool IsData(string path) => path.EndsWith(".dat", StringComparison.Ordinal);

    private static SensorLog Write(SensorStoreSystem store, ulong from, ulong to, uint id = 1)
    {
        Assert.Equal(StoreResult.Ok, store.InitSensor(SensorSource.Host, id, SensorType.TimeSeries, out SensorLog? s));
        for (ulong i = from; i < to; i++)
        {
            Assert.Equal(StoreResult.Ok, s!.AddTimeSeries(ValueOf(i)));
        }

        return s!;
    }

    /// <summary>Consumes everything, retrying while reads fail; checks every value and that the indices run without a gap from <paramref name="from"/>. Returns the end.</summary>
    private static ulong ConsumeAll(SensorLog s, ulong from, int maxIoErrors = 0)
    {
        var buffer = new uint[700];
        ulong expect = from;
        int ioErrors = 0;
        while (true)
        {
            StoreResult r = s.ConsumeBatch(buffer, out int n, out ulong first);
            if (r == StoreResult.IoError && ++ioErrors <= maxIoErrors)
            {
                continue;
            }

            if (r != StoreResult.Ok)
            {
                Assert.Equal(StoreResult.TryAgain, r);
                return expect;
            }

            Assert.Equal(expect, first);
            for (int k = 0; k < n; k++)
            {
                Assert.Equal(ValueOf(first + (ulong)k), buffer[k]);
            }

            expect += (ulong)n;
        }
    }

    /// <summary>Records 0..1999 flushed (durable), then 2000..3999 whose flush fails at the data file's fsync (still in RAM).</summary>
    private static SensorLog FailOneDataFsync(SensorStoreSystem store, FaultyStorage storage)
    {
        SensorLog s = Write(store, 0, 2000);
        Assert.Equal(StoreResult.Ok, store.FlushAll());
        storage.Fail(StorageFault.IOError, StorageOperation.Sync, IsData, times: 1);
        for (ulong i = 2000; i < 4000; i++)
        {
            s.AddTimeSeries(ValueOf(i));
        }

        Assert.Equal(StoreResult.IoError, store.FlushAll());
        return s;
    }

    [Fact]
    public void An_io_error_while_consuming_drops_nothing_and_every_record_reads_back_after_the_disk_recovers()
    {
        using var dir = new TempDirectory();
        var storage = new FaultyStorage();
        const ulong Records = 60_000;
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path, storage) with { DiskQuotaBytes = 64L << 20 }))
        {
            SensorLog s = Write(store, 0, Records);
            Assert.Equal(StoreResult.Ok, store.FlushAll());
            Assert.True(s.GetStats().DiskSectors > 1);

            storage.Fail(StorageFault.IOError, StorageOperation.Read, IsData, times: int.MaxValue);
            Assert.Equal(StoreResult.IoError, s.ConsumeBatch(new uint[1000], out int n, out _));
            Assert.Equal(0, n);
            Assert.Equal(StoreResult.IoError, s.DiagReadAt(5, out _));
            store.Tick(); // a meta written now must still name every sector
            Assert.Equal(StoreResult.Ok, store.FlushAll());

            SensorStats st = s.GetStats();
            Assert.Equal(0ul, st.DroppedCorrupt);
            Assert.Equal((long)Records, st.TotalRecords);
            Assert.Equal(0, st.PendingRecords);
            StoreStats stats = store.GetStats();
            Assert.True(stats.DiskReadFailures >= 2, $"{stats.DiskReadFailures}");
            Assert.Contains("Input/output error", stats.LastDiskError, StringComparison.Ordinal);
            Assert.Empty(stats.RecoveryReport);
            storage.ClearFaults();
            store.FlushForShutdown(TimeSpan.FromSeconds(10));
        }

        // The disk is back: a restart finds every record, and so does a consumer.
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path, Storage.Default)))
        {
            Assert.Equal(Records, ConsumeAll(store.Find(SensorSource.Host, 1)!, 0));
            Assert.Equal(0ul, store.Find(SensorSource.Host, 1)!.GetStats().DroppedCorrupt);
        }
    }

    [Fact]
    public void Reads_failing_in_the_middle_of_batches_end_the_batch_early_and_lose_no_record()
    {
        for (int skip = 0; skip < 4; skip++)
        {
            using var dir = new TempDirectory();
            var storage = new FaultyStorage();
            using SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path, storage) with { DiskQuotaBytes = 64L << 20 });
            SensorLog s = Write(store, 0, 20_000);
            Assert.Equal(StoreResult.Ok, store.FlushAll());
            storage.Fail(StorageFault.IOError, StorageOperation.Read, IsData, skip: skip, times: 3);
            Assert.Equal(20_000ul, ConsumeAll(s, 0, maxIoErrors: 3));
            Assert.Equal(0ul, s.GetStats().DroppedCorrupt);
            Assert.Equal(20_000, s.PendingCount);
        }
    }

    [Fact]
    public void A_read_error_at_recovery_leaves_the_sensor_for_a_later_open_instead_of_forgetting_it()
    {
        using var dir = new TempDirectory();
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path, Storage.Default)))
        {
            Write(store, 0, 5000, id: 3);
            Assert.True(store.FlushForShutdown(TimeSpan.FromSeconds(10)));
        }

        var storage = new FaultyStorage();
        storage.Fail(StorageFault.IOError, StorageOperation.Read, times: int.MaxValue);
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path, storage)))
        {
            StoreStats stats = store.GetStats();
            Assert.Equal(0, stats.RecoveredSensors);
            Assert.Equal(1, stats.UnrecoveredSensors);
            Assert.Contains(stats.RecoveryReport, line => line.Contains("not recovered", StringComparison.Ordinal) && line.Contains("Input/output error", StringComparison.Ordinal));
            Assert.Equal(StoreResult.IoError, store.InitSensor(SensorSource.Host, 3, SensorType.TimeSeries, out _));

            storage.ClearFaults();
            Assert.Equal(StoreResult.Ok, store.InitSensor(SensorSource.Host, 3, SensorType.TimeSeries, out SensorLog? s));
            Assert.Equal(5000ul, ConsumeAll(s!, 0));
        }
    }

    [Fact]
    public void A_failed_fsync_of_a_data_file_is_never_retried_on_it_the_file_is_rewritten_and_survives_a_power_cut()
    {
        using var dir = new TempDirectory();
        var storage = new FaultyStorage(recordDurability: true);
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path, storage)))
        {
            SensorLog s = FailOneDataFsync(store, storage);
            Assert.Contains("fsync failed", store.GetStats().LastDiskError, StringComparison.Ordinal);
            Assert.Equal(4000, s.TotalRecords); // the records whose sector failed are still in RAM

            // The old file can never be fsynced again (the kernel refuses); success here means a new file took its place.
            Assert.Equal(StoreResult.Ok, store.FlushAll());
            StoreStats stats = store.GetStats();
            Assert.Equal(1, stats.DataFilesRewritten);
            Assert.True(stats.Healthy);
            Assert.True(store.IsFlushedToDisk);
        }

        storage.ApplyPowerLoss(); // everything not fsynced (file content and directory entries) is gone
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path, Storage.Default)))
        {
            Assert.Equal(4000ul, ConsumeAll(store.Find(SensorSource.Host, 1)!, 0));
            Assert.Empty(store.GetStats().RecoveryReport);
        }
    }

    [Fact]
    public void A_power_cut_at_any_call_of_the_rewrite_keeps_every_record_that_was_durable_before_it()
    {
        long first = 0;
        long last = 0;
        for (long cut = 0; cut == 0 || cut <= last; cut = cut == 0 ? first : cut + 1)
        {
            using var dir = new TempDirectory();
            var storage = new FaultyStorage(recordDurability: true);
            using (SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path, storage)))
            {
                FailOneDataFsync(store, storage);
                if (cut == 0)
                {
                    first = storage.Calls + 1; // the first pass only counts the calls of the flush that rewrites
                    Assert.Equal(StoreResult.Ok, store.FlushAll());
                    last = storage.Calls;
                    Assert.True(last - first > 5, $"{first}..{last}");
                }
                else
                {
                    storage.CutPowerAt(cut);
                    store.FlushAll();
                    Assert.True(storage.PoweredOff, $"cut at {cut}");
                }
            }

            storage.ApplyPowerLoss();
            using SensorStoreSystem reopened = SensorStoreSystem.Open(Small(dir.Path, Storage.Default));
            ulong end = ConsumeAll(reopened.Find(SensorSource.Host, 1)!, 0);
            Assert.True(end >= 2000, $"cut at call {cut} of {first}..{last}: {end} records");
            Assert.Equal(0ul, reopened.Find(SensorSource.Host, 1)!.GetStats().DroppedCorrupt);
        }
    }

    [Fact]
    public void A_data_file_whose_fsync_keeps_failing_makes_the_store_unhealthy_with_the_reason_and_not_flushed()
    {
        using var dir = new TempDirectory();
        var storage = new FaultyStorage();
        using SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path, storage) with { HighWatermark = 0.5 });
        Write(store, 0, 3000);
        storage.Fail(StorageFault.IOError, StorageOperation.Sync, IsData, times: int.MaxValue);
        Assert.False(store.FlushForShutdown(TimeSpan.Zero));
        for (int t = 0; t < 3; t++)
        {
            store.Tick();
        }

        StoreStats stats = store.GetStats();
        Assert.False(stats.Healthy);
        Assert.False(store.IsFlushedToDisk);
        Assert.Contains("sensor_0000000001.dat", stats.LastDiskError, StringComparison.Ordinal);
        Assert.Contains("fsync", stats.LastDiskError, StringComparison.Ordinal);
        Assert.Equal(3000, store.Find(SensorSource.Host, 1)!.TotalRecords);
    }

    [Fact]
    public void A_store_directory_the_disk_cannot_create_fails_open_with_io_error_and_the_reason_instead_of_throwing()
    {
        using var dir = new TempDirectory();
        foreach (StorageOperation operation in new[] { StorageOperation.CreateDirectory, StorageOperation.SyncDirectory })
        {
            var storage = new FaultyStorage();
            storage.Fail(StorageFault.IOError, operation);
            Assert.Equal(StoreResult.IoError, SensorStoreSystem.Open(Small(Path.Combine(dir.Path, operation.ToString()), storage), out SensorStoreSystem? store, out string? error));
            Assert.Null(store);
            Assert.Contains("injected", error, StringComparison.Ordinal);
            storage.Fail(StorageFault.IOError, operation);
            Assert.Contains("injected", Assert.Throws<IOException>(() => SensorStoreSystem.Open(Small(Path.Combine(dir.Path, operation + "2"), storage))).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Opening_a_store_makes_every_directory_it_creates_durable_in_its_parent()
    {
        using var dir = new TempDirectory();
        string root = Path.Combine(dir.Path, "a", "store");
        var storage = new FaultyStorage(recordDurability: true);
        var synced = new List<string>();
        storage.OnCall = (_, operation, path) =>
        {
            if (operation == StorageOperation.SyncDirectory)
            {
                synced.Add(path);
            }
        };
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(root, storage)))
        {
            Assert.Contains(dir.Path, synced); // a/ was created in it
            Assert.Contains(Path.Combine(dir.Path, "a"), synced); // store/
            Assert.Equal(3, synced.Count(p => p == root)); // host/, application/, can/
            Write(store, 0, 3000, id: 7);
            Assert.True(store.FlushForShutdown(TimeSpan.FromSeconds(10)));
        }

        storage.ApplyPowerLoss(); // a directory never fsynced in its parent would vanish here, with the sensor in it
        foreach (string sub in new[] { "host", "application", "can" })
        {
            Assert.True(Directory.Exists(Path.Combine(root, sub)), sub);
        }

        using SensorStoreSystem reopened = SensorStoreSystem.Open(Small(root, Storage.Default));
        Assert.Equal(3000ul, ConsumeAll(reopened.Find(SensorSource.Host, 7)!, 0));
    }

    [Fact]
    public void Records_past_a_reservation_whose_meta_write_failed_wait_and_no_consumed_index_comes_twice_after_a_power_cut()
    {
        using var dir = new TempDirectory();
        var storage = new FaultyStorage(recordDurability: true);
        ulong consumedEnd = 0;
        SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path, storage) with { IndexReservation = 64 });
        try
        {
            SensorLog s = Write(store, 0, 10);

            // Every meta write fails from now on: the durable reservation stays where it is, the data is kept.
            storage.Fail(StorageFault.IOError, null, p => p.Contains(".meta", StringComparison.Ordinal), times: int.MaxValue);
            for (ulong i = 10; i < 1_000; i++)
            {
                Assert.Equal(StoreResult.Ok, s.AddTimeSeries(ValueOf(i)));
            }

            var buffer = new uint[2_000];
            StoreResult r;
            while ((r = s.ConsumeBatch(buffer, out int n, out ulong first)) == StoreResult.Ok)
            {
                consumedEnd = first + (ulong)n;
            }

            // Handed out up to the reservation, then refused (IoError, retried) rather than past it.
            Assert.Equal(StoreResult.IoError, r);
            Assert.InRange(consumedEnd, 10ul, 999ul);
            Assert.Equal(1_000, s.TotalRecords);
            storage.CutPower();
        }
        finally
        {
            try
            {
                store.Dispose();
            }
            catch (IOException)
            {
            }
        }

        storage.ApplyPowerLoss();
        using SensorStoreSystem restarted = SensorStoreSystem.Open(Small(dir.Path, Storage.Default));
        Assert.Equal(StoreResult.Ok, restarted.InitSensor(SensorSource.Host, 1, SensorType.TimeSeries, out SensorLog? again));
        Assert.True(again!.GetStats().TailIndex >= consumedEnd, $"index {again.GetStats().TailIndex} comes again (a consumer had up to {consumedEnd - 1})");
    }

    [Fact]
    public void Records_held_back_for_a_failed_reservation_are_handed_out_when_the_disk_takes_the_meta()
    {
        using var dir = new TempDirectory();
        var storage = new FaultyStorage();
        using SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path, storage) with { IndexReservation = 64 });
        SensorLog s = Write(store, 0, 10);
        storage.Fail(StorageFault.DiskFull, null, p => p.Contains(".meta", StringComparison.Ordinal), times: int.MaxValue);
        for (ulong i = 10; i < 1_000; i++)
        {
            Assert.Equal(StoreResult.Ok, s.AddTimeSeries(ValueOf(i)));
        }

        var buffer = new uint[2_000];
        while (s.ConsumeBatch(buffer, out _, out _) == StoreResult.Ok)
        {
        }

        Assert.Equal(StoreResult.IoError, s.ConsumeBatch(buffer, out _, out _));
        storage.ClearFaults();
        Assert.Equal(StoreResult.Ok, s.ConsumeBatch(buffer, out int n, out ulong first));
        Assert.Equal(1_000ul, first + (ulong)n);
    }

    [Fact]
    public void Flush_for_shutdown_on_a_failing_disk_waits_between_passes_instead_of_spinning()
    {
        using var dir = new TempDirectory();
        var storage = new FaultyStorage();
        using SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path, storage));
        Write(store, 0, 3000);
        storage.Fail(StorageFault.IOError, StorageOperation.Sync, IsData, times: int.MaxValue);
        long before = storage.Calls;
        Assert.False(store.FlushForShutdown(TimeSpan.FromSeconds(1)));

        // Waits of 10, 20, 40 ... ms fill the second: about seven passes. A spinning loop made thousands.
        Assert.InRange(store.ShutdownRetryWaits, 1, 12);
        Assert.True(storage.Calls - before < 400, $"{storage.Calls - before} calls to a failing disk in one second");
    }
}
