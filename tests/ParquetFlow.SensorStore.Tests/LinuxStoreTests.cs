using System.Buffers.Binary;
using ParquetFlow.Durability;
using ParquetFlow.Durability.Faults;
using ParquetFlow.SensorStore;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>The Linux profile: spill, files, meta, recovery, quota, failures, clock jumps.</summary>
public sealed class LinuxStoreTests
{
    private static SensorStoreOptions Small(string dir, TimeProvider? clock = null) => SensorStoreOptions.Linux(dir) with
    {
        RamPoolBytes = 4 * 4096,
        MaxSensors = 16,
        DiskSectorSize = 8192,
        Clock = clock ?? TimeProvider.System,
    };

    private static SensorLog Init(SensorStoreSystem store, SensorType type, uint id = 1, SensorSource source = SensorSource.Host)
    {
        Assert.Equal(StoreResult.Ok, store.InitSensor(source, id, type, out SensorLog? s));
        return s!;
    }

    private static uint ValueOf(ulong index) => (uint)((index * 2654435761UL) >> 7);

    private static void CheckStream(SensorLog s, ulong from, ulong to)
    {
        var buffer = new uint[3000];
        ulong expect = from;
        while (s.ConsumeBatch(buffer, out int n, out ulong first) == StoreResult.Ok)
        {
            Assert.Equal(expect, first);
            for (int k = 0; k < n; k++)
            {
                Assert.Equal(ValueOf(first + (ulong)k), buffer[k]);
            }
            expect += (ulong)n;
        }
        Assert.Equal(to, expect);
    }

    [Fact]
    public void Spills_above_the_watermark_into_aligned_crc_sectors_and_returns_to_ram_when_consumed()
    {
        using var dir = new TempDirectory();
        using SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path));
        SensorLog s = Init(store, SensorType.TimeSeries, 42);
        for (ulong i = 0; i < 5000; i++)
        {
            Assert.Equal(StoreResult.Ok, s.AddTimeSeries(ValueOf(i)));
        }
        Assert.True(store.GetStats().SharedPoolFill >= 0.8);
        store.Tick();
        StoreStats stats = store.GetStats();
        Assert.True(stats.Spilling);
        Assert.True(s.GetStats().DiskSectors > 0);
        Assert.Equal(1, s.GetStats().RamSectors);
        string dat = Path.Combine(dir.Path, "host", "sensor_0000000042.dat");
        Assert.True(File.Exists(dat));
        Assert.True(File.Exists(Path.Combine(dir.Path, "host", "sensor_0000000042.meta")));
        Assert.True(Directory.Exists(Path.Combine(dir.Path, "application")));
        Assert.True(Directory.Exists(Path.Combine(dir.Path, "can")));
        byte[] bytes = File.ReadAllBytes(dat);
        for (int off = 0; off + 16 <= bytes.Length; off += 8192)
        {
            if (bytes[off + 4] == 0x53)
            {
                int count = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(off + 6));
                Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(off)), Crc32C.Compute(bytes.AsSpan(off + 4, 12 + (count * 4))));
            }
        }
        Assert.Equal(5000, s.TotalRecords);
        CheckStream(s, 0, 5000);
        s.EraseAllPending();
        Assert.Equal(0, s.GetStats().DiskSectors);
        store.Tick();
        Assert.False(store.GetStats().Spilling);
        Assert.Equal(0, store.GetStats().DiskBytesUsed);
    }

    [Fact]
    public void Shutdown_flush_puts_everything_on_disk_and_a_reopen_returns_it_with_pending_as_unsent()
    {
        using var dir = new TempDirectory();
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path)))
        {
            SensorLog ts = Init(store, SensorType.TimeSeries, 1, SensorSource.Can);
            SensorLog ev = Init(store, SensorType.Event, 1, SensorSource.Application);
            for (ulong i = 0; i < 700; i++)
            {
                ts.AddTimeSeries(ValueOf(i));
                ev.AddEvent((uint)i, 1_700_000_000_000 + i);
            }
            Assert.Equal(StoreResult.Ok, ts.ConsumeBatch(new uint[100], out _, out _));
            ts.EraseAllPending(); // 0..99 acknowledged
            Assert.Equal(StoreResult.Ok, ts.ConsumeBatch(new uint[50], out _, out _)); // 100..149 in flight
            Assert.False(store.IsFlushedToDisk);
            Assert.True(store.FlushForShutdown());
            Assert.True(store.IsFlushedToDisk);
        }
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path)))
        {
            StoreStats stats = store.GetStats();
            Assert.Equal(2, stats.RecoveredSensors);
            Assert.Equal(2, stats.RecoveredFromMeta);
            SensorLog ts = store.Find(SensorSource.Can, 1)!;
            SensorLog ev = store.Find(SensorSource.Application, 1)!;
            Assert.Equal(SensorType.Event, ev.Type);
            Assert.Equal(600, ts.TotalRecords);
            Assert.Equal(600, ts.UnsentCount); // the unacknowledged batch is sent again
            CheckStream(ts, 100, 700);
            Assert.Equal(StoreResult.Ok, ev.DiagReadAt(699, out SensorRecord last));
            Assert.Equal(new SensorRecord(699, 699, 1_700_000_000_699), last);
            // New records continue after the reserved range: no index is ever handed out twice.
            Assert.Equal(StoreResult.Ok, store.InitSensor(SensorSource.Can, 1, SensorType.TimeSeries, out SensorLog? again));
            Assert.Same(ts, again);
            ts.AddTimeSeries(5);
            Assert.True(ts.GetStats().TailIndex > 700);
        }
    }

    [Fact]
    public void Records_erased_in_ram_never_share_an_index_with_records_after_a_crash()
    {
        using var dir = new TempDirectory();
        ulong highest;
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path) with { IndexReservation = 1000 }))
        {
            SensorLog s = Init(store, SensorType.TimeSeries);
            for (int round = 0; round < 30; round++)
            {
                for (uint v = 0; v < 100; v++)
                {
                    Assert.Equal(StoreResult.Ok, s.AddTimeSeries(v));
                }
                Assert.Equal(StoreResult.Ok, s.ConsumeBatch(new uint[100], out _, out _));
                s.EraseAllPending();
            }
            highest = s.GetStats().TailIndex - 1;
            // no flush: the process dies here
        }
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path) with { IndexReservation = 1000 }))
        {
            SensorLog s = store.Find(SensorSource.Host, 1) ?? Init(store, SensorType.TimeSeries);
            s.AddTimeSeries(1);
            Assert.Equal(StoreResult.Ok, s.ConsumeNext(out SensorRecord r));
            Assert.True(r.Index > highest, $"{r.Index} > {highest}");
        }
    }

    [Fact]
    public void Lost_meta_falls_back_to_a_sector_scan_and_jumps_the_index()
    {
        using var dir = new TempDirectory();
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path)))
        {
            SensorLog s = Init(store, SensorType.TimeSeries, 3);
            for (ulong i = 0; i < 3000; i++)
            {
                s.AddTimeSeries(ValueOf(i));
            }
            Assert.True(store.FlushForShutdown());
        }
        string meta = Path.Combine(dir.Path, "host", "sensor_0000000003.meta");
        byte[] m = File.ReadAllBytes(meta);
        m[20] ^= 0xFF;
        File.WriteAllBytes(meta, m);
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path)))
        {
            StoreStats stats = store.GetStats();
            Assert.Equal(0, stats.RecoveredFromMeta);
            Assert.Contains(stats.RecoveryReport, l => l.Contains("meta CRC mismatch", StringComparison.Ordinal));
            SensorLog s = store.Find(SensorSource.Host, 3)!;
            CheckStream(s, 0, 3000);
            s.AddTimeSeries(1);
            Assert.True(s.GetStats().TailIndex >= 1UL << 40);
        }
    }

    [Theory]
    [InlineData("bitflip")]
    [InlineData("torn")]
    [InlineData("truncate")]
    [InlineData("garbage-slot")]
    public void Damaged_sectors_are_skipped_and_reported_and_no_corrupt_record_is_returned(string damage)
    {
        using var dir = new TempDirectory();
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path)))
        {
            SensorLog s = Init(store, SensorType.TimeSeries, 9);
            for (ulong i = 0; i < 6000; i++)
            {
                s.AddTimeSeries(ValueOf(i));
            }
            Assert.True(store.FlushForShutdown());
            Assert.True(s.GetStats().DiskSectors >= 3);
        }
        string dat = Path.Combine(dir.Path, "host", "sensor_0000000009.dat");
        byte[] bytes = File.ReadAllBytes(dat);
        switch (damage)
        {
            case "bitflip":
                bytes[8192 + 100] ^= 0x10; // inside the second sector's records
                break;
            case "torn":
                Array.Clear(bytes, 8192 + 4096, 4096); // second half of the second sector never reached the disk
                break;
            case "truncate":
                Array.Resize(ref bytes, bytes.Length - 3000);
                break;
            case "garbage-slot":
                new Random(1).NextBytes(bytes.AsSpan(8192, 16));
                break;
        }
        File.WriteAllBytes(dat, bytes);
        foreach (bool withMeta in new[] { true, false })
        {
            if (!withMeta)
            {
                File.Delete(Path.Combine(dir.Path, "host", "sensor_0000000009.meta"));
            }
            using SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path));
            SensorLog s = store.Find(SensorSource.Host, 9)!;
            var buffer = new uint[4000];
            long good = 0;
            while (s.ConsumeBatch(buffer, out int n, out ulong first) == StoreResult.Ok)
            {
                for (int k = 0; k < n; k++)
                {
                    Assert.Equal(ValueOf(first + (ulong)k), buffer[k]);
                }
                good += n;
            }
            Assert.True(good > 0 && good < 6000, $"{damage}, meta {withMeta}: {good}");
            SensorStats st = s.GetStats();
            StoreStats stats = store.GetStats();
            Assert.True(stats.CorruptSectorsAtRecovery + (long)st.DroppedCorrupt > 0 || stats.RecoveryReport.Count > 0, $"{damage}: reported");
            Assert.NotEmpty(stats.RecoveryReport);
        }
    }

    [Fact]
    public void Sectors_written_after_the_last_meta_are_found_on_recovery()
    {
        using var dir = new TempDirectory();
        var storage = new FaultyStorage();
        var options = Small(dir.Path) with { Storage = storage };
        using (SensorStoreSystem store = SensorStoreSystem.Open(options))
        {
            SensorLog s = Init(store, SensorType.TimeSeries, 5);
            for (ulong i = 0; i < 2000; i++)
            {
                s.AddTimeSeries(ValueOf(i));
            }
            Assert.Equal(StoreResult.Ok, store.FlushAll());
            // Power fails between the sector fsync and the meta rename: every meta write (its temporary file) fails.
            storage.Fail(StorageFault.IOError, path: p => p.Contains(".meta", StringComparison.Ordinal), times: int.MaxValue);
            for (ulong i = 2000; i < 4000; i++)
            {
                s.AddTimeSeries(ValueOf(i));
            }
            Assert.NotEqual(StoreResult.Ok, store.FlushAll());
        }
        using (SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path)))
        {
            Assert.Equal(1, store.GetStats().RecoveredFromMeta);
            CheckStream(store.Find(SensorSource.Host, 5)!, 0, 4000);
        }
    }

    [Fact]
    public void Quota_drops_the_oldest_unsent_sectors_and_never_pending_ones()
    {
        using var dir = new TempDirectory();
        var options = Small(dir.Path) with { DiskQuotaBytes = 4 * 8192 };
        using SensorStoreSystem store = SensorStoreSystem.Open(options);
        SensorLog s = Init(store, SensorType.TimeSeries);
        for (ulong i = 0; i < 2000; i++)
        {
            s.AddTimeSeries(ValueOf(i));
        }
        Assert.Equal(StoreResult.Ok, store.FlushAll());
        Assert.Equal(StoreResult.Ok, s.ConsumeBatch(new uint[10], out _, out ulong first)); // 0..9 pending
        Assert.Equal(0ul, first);
        for (ulong i = 2000; i < 20000; i++)
        {
            s.AddTimeSeries(ValueOf(i));
            if (i % 1000 == 0)
            {
                store.Tick();
            }
        }
        store.FlushAll();
        StoreStats stats = store.GetStats();
        SensorStats st = s.GetStats();
        Assert.True(stats.DiskBytesUsed <= options.DiskQuotaBytes, $"{stats.DiskBytesUsed}");
        Assert.True(st.DroppedQuota > 0, st.ToString() + " " + stats);
        Assert.Equal(10, st.PendingRecords);
        Assert.Equal(StoreResult.Ok, s.DiagReadAt(0, out SensorRecord r));
        Assert.Equal(0ul, r.Index); // the pending batch survived
        Assert.Equal((long)(st.TotalWritten - st.DroppedQuota - st.DroppedRecycled), st.TotalRecords);
        s.EraseAllPending();
        var buffer = new uint[5000];
        ulong last = 9;
        while (s.ConsumeBatch(buffer, out int n, out ulong f) == StoreResult.Ok)
        {
            Assert.True(f > last);
            for (int k = 0; k < n; k++)
            {
                Assert.Equal(ValueOf(f + (ulong)k), buffer[k]);
            }
            last = f + (ulong)n - 1;
        }
        Assert.Equal(19999ul, last); // the newest data is kept
    }

    [Fact]
    public void Write_failures_keep_data_in_ram_trip_the_health_flag_and_recover_on_retry()
    {
        using var dir = new TempDirectory();
        var storage = new FaultyStorage();
        using SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path) with { Storage = storage, HighWatermark = 0.5 });
        storage.Fail(StorageFault.IOError, StorageOperation.Write, times: int.MaxValue);
        SensorLog s = Init(store, SensorType.TimeSeries);
        for (ulong i = 0; i < 3000; i++)
        {
            s.AddTimeSeries(ValueOf(i));
        }
        for (int t = 0; t < 3; t++)
        {
            store.Tick();
        }
        Assert.False(store.GetStats().Healthy);
        Assert.True(store.GetStats().DiskWriteFailures >= 3);
        Assert.Equal(0, s.GetStats().DiskSectors);
        Assert.Equal(3000, s.TotalRecords);
        Assert.Contains("injected", store.GetStats().LastDiskError, StringComparison.Ordinal);
        storage.ClearFaults();
        store.Tick();
        Assert.True(store.GetStats().Healthy);
        Assert.True(s.GetStats().DiskSectors > 0);
        CheckStream(s, 0, 3000);
    }

    [Fact]
    public void Clock_jumps_neither_lose_data_nor_stall_the_force_seal()
    {
        using var dir = new TempDirectory();
        var clock = new ManualClock();
        using SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path, clock) with { ForceSealInterval = TimeSpan.FromSeconds(60) });
        SensorLog busy = Init(store, SensorType.TimeSeries, 1);
        SensorLog quiet = Init(store, SensorType.Event, 2);
        quiet.AddEvent(1, 5);
        for (ulong i = 0; i < 5000; i++)
        {
            busy.AddTimeSeries(ValueOf(i));
        }
        clock.Jump(TimeSpan.FromHours(-5)); // clock set back
        store.Tick();
        Assert.Equal(0, quiet.GetStats().DiskSectors); // a young open sector stays in RAM
        clock.Jump(TimeSpan.FromHours(10)); // and far forward
        store.Tick();
        Assert.Equal(1, quiet.GetStats().DiskSectors); // old open sector force-sealed while spilling
        quiet.AddEvent(2, 1); // event timestamps are stored raw, even when they go backwards
        Assert.Equal(StoreResult.Ok, quiet.DiagReadAt(1, out SensorRecord r));
        Assert.Equal(1ul, r.TimestampMs);
        CheckStream(busy, 0, 5000);
        Assert.True(store.FlushForShutdown(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Many_sensors_flush_concurrently_with_writers_and_an_uploader()
    {
        using var dir = new TempDirectory();
        using SensorStoreSystem store = SensorStoreSystem.Open(Small(dir.Path) with { MaxSensors = 64 });
        var sensors = Enumerable.Range(0, 48).Select(i => Init(store, SensorType.TimeSeries, (uint)(i / 3), (SensorSource)(i % 3))).ToArray();
        store.StartManager(TimeSpan.FromMilliseconds(1));
        const int PerSensor = 3000;
        var writers = Enumerable.Range(0, 2).Select(w => new Thread(() =>
        {
            for (ulong v = 0; v < PerSensor; v++)
            {
                for (int i = w; i < sensors.Length; i += 2)
                {
                    Assert.Equal(StoreResult.Ok, sensors[i].AddTimeSeries(ValueOf(v)));
                }
            }
        })).ToArray();
        foreach (Thread t in writers)
        {
            t.Start();
        }
        var next = new ulong[sensors.Length];
        var buffer = new uint[500];
        void Drain()
        {
            for (int i = 0; i < sensors.Length; i++)
            {
                while (sensors[i].ConsumeBatch(buffer, out int n, out ulong first) == StoreResult.Ok)
                {
                    Assert.Equal(next[i], first);
                    for (int k = 0; k < n; k++)
                    {
                        Assert.Equal(ValueOf(first + (ulong)k), buffer[k]);
                    }
                    next[i] += (ulong)n;
                    sensors[i].EraseAllPending();
                }
            }
        }
        while (writers.Any(t => t.IsAlive))
        {
            Drain();
        }
        foreach (Thread t in writers)
        {
            t.Join();
        }
        Drain();
        Assert.All(next, n => Assert.Equal((ulong)PerSensor, n));
        Assert.All(sensors, s => Assert.Equal(0ul, s.GetStats().DroppedNew + s.GetStats().DroppedRecycled + s.GetStats().DroppedQuota));
    }
}
