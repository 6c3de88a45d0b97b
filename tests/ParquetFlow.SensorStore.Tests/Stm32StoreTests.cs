using ParquetFlow.SensorStore;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>The RAM store on the STM32 profile: layout, budget, cursors, full policy.</summary>
public sealed class Stm32StoreTests
{
    private static SensorStoreSystem Open(int maxSensors = 100, int budget = 32 * 1024) =>
        SensorStoreSystem.Open(SensorStoreOptions.Stm32() with { MaxSensors = maxSensors, MemoryBudgetBytes = budget });

    private static SensorLog Init(SensorStoreSystem store, SensorType type, uint id = 1, SensorSource source = SensorSource.Host)
    {
        Assert.Equal(StoreResult.Ok, store.InitSensor(source, id, type, out SensorLog? s));
        return s!;
    }

    [Fact]
    public void Sector_of_256_bytes_holds_60_time_series_or_20_event_records()
    {
        using SensorStoreSystem store = Open();
        Assert.Equal(60, Init(store, SensorType.TimeSeries, 1).RecordsPerSector);
        Assert.Equal(20, Init(store, SensorType.Event, 2).RecordsPerSector);
    }

    [Fact]
    public void Accounted_memory_stays_within_the_32_KB_budget_with_a_sector_per_sensor()
    {
        using SensorStoreSystem store = Open();
        StoreStats stats = store.GetStats();
        Assert.True(stats.AccountedBytes <= 32 * 1024, $"{stats.AccountedBytes}");
        Assert.Equal(32 * 1024, stats.MemoryBudgetBytes);
        Assert.True(stats.RamSectorsCapacity >= 100);
        // Filling every sensor to the brim never allocates past the budget.
        for (uint id = 0; id < 100; id++)
        {
            SensorLog s = Init(store, SensorType.TimeSeries, id);
            for (uint v = 0; v < 1000; v++)
            {
                _ = s.AddTimeSeries(v);
            }
        }
        stats = store.GetStats();
        Assert.Equal(stats.RamSectorsCapacity, stats.RamSectorsUsed);
        Assert.True(stats.AccountedBytes <= 32 * 1024);
    }

    [Fact]
    public void Budget_too_small_for_one_sector_per_sensor_is_refused()
    {
        Assert.Equal(StoreResult.NoSpace, SensorStoreSystem.Open(SensorStoreOptions.Stm32() with { MaxSensors = 200 }, out _));
        Assert.Equal(StoreResult.InvalidArgument, SensorStoreSystem.Open(SensorStoreOptions.Stm32() with { RamSectorSize = 8 }, out _));
    }

    [Fact]
    public void Sensor_slots_run_out_with_NoSpace()
    {
        using SensorStoreSystem store = Open(maxSensors: 3);
        for (uint i = 0; i < 3; i++)
        {
            Init(store, SensorType.TimeSeries, i);
        }
        Assert.Equal(StoreResult.NoSpace, store.InitSensor(SensorSource.Host, 9, SensorType.TimeSeries, out _));
    }

    [Fact]
    public void Same_id_exists_once_per_source_and_init_is_idempotent()
    {
        using SensorStoreSystem store = Open();
        SensorLog host = Init(store, SensorType.TimeSeries, 7, SensorSource.Host);
        SensorLog app = Init(store, SensorType.Event, 7, SensorSource.Application);
        SensorLog can = Init(store, SensorType.TimeSeries, 7, SensorSource.Can);
        Assert.NotSame(host, can);
        Assert.Same(host, Init(store, SensorType.TimeSeries, 7, SensorSource.Host));
        Assert.Equal(StoreResult.Exists, store.InitSensor(SensorSource.Application, 7, SensorType.TimeSeries, out _));
        Assert.Equal(StoreResult.Ok, host.AddTimeSeries(1));
        Assert.Equal(StoreResult.Ok, app.AddEvent(2, 3));
        Assert.Equal(1, host.TotalRecords);
        Assert.Equal(0, can.TotalRecords);
    }

    [Fact]
    public void Wrong_record_kind_is_InvalidArgument()
    {
        using SensorStoreSystem store = Open();
        SensorLog ts = Init(store, SensorType.TimeSeries, 1);
        SensorLog ev = Init(store, SensorType.Event, 2);
        Assert.Equal(StoreResult.InvalidArgument, ts.AddEvent(1, 2));
        Assert.Equal(StoreResult.InvalidArgument, ev.AddTimeSeries(1));
        Assert.Equal(StoreResult.InvalidArgument, ev.ConsumeBatch(new uint[4], out _, out _));
        Assert.Equal(StoreResult.InvalidArgument, ts.ConsumeBatch(new byte[3], out _, out _));
        Assert.Equal(StoreResult.InvalidArgument, store.InitSensor(SensorSource.Host, 3, (SensorType)7, out _));
    }

    [Fact]
    public void Unsent_becomes_pending_on_consume_and_disappears_on_erase()
    {
        using SensorStoreSystem store = Open();
        SensorLog s = Init(store, SensorType.TimeSeries);
        for (uint v = 0; v < 150; v++)
        {
            Assert.Equal(StoreResult.Ok, s.AddTimeSeries(v * 10));
        }
        Assert.Equal(150, s.TotalRecords);
        Assert.Equal(150, s.UnsentCount);

        var batch = new uint[100];
        Assert.Equal(StoreResult.Ok, s.ConsumeBatch(batch, out int n, out ulong first));
        Assert.Equal(100, n);
        Assert.Equal(0ul, first);
        Assert.Equal(990u, batch[99]);
        Assert.Equal(150, s.TotalRecords);
        Assert.Equal(50, s.UnsentCount);
        Assert.Equal(100, s.PendingCount);

        Assert.Equal(StoreResult.Ok, s.ConsumeNext(out SensorRecord next));
        Assert.Equal(new SensorRecord(100, 1000, 0), next);
        Assert.Equal(101, s.PendingCount);

        Assert.Equal(StoreResult.Ok, s.EraseAllPending());
        Assert.Equal(49, s.TotalRecords);
        Assert.Equal(49, s.UnsentCount);
        Assert.Equal(0, s.PendingCount);
        Assert.Equal(StoreResult.Ok, s.DiagReadAt(0, out SensorRecord oldest));
        Assert.Equal(new SensorRecord(101, 1010, 0), oldest);
        SensorStats stats = s.GetStats();
        Assert.Equal(101ul, stats.TotalErased);
        Assert.Equal(101ul, stats.HeadIndex);
        Assert.Equal(150ul, stats.TailIndex);
        Assert.Equal(2, stats.RamSectors); // the fully erased sector [0..59] went back to the pool
    }

    [Fact]
    public void Empty_sensor_consume_is_TryAgain_erase_is_Ok_diag_is_OutOfRange()
    {
        using SensorStoreSystem store = Open();
        SensorLog s = Init(store, SensorType.Event);
        Assert.Equal(StoreResult.TryAgain, s.ConsumeNext(out _));
        Assert.Equal(StoreResult.Ok, s.EraseAllPending());
        Assert.Equal(StoreResult.OutOfRange, s.DiagReadAt(0, out _));
        Assert.Equal(StoreResult.Ok, s.AddEvent(5, ulong.MaxValue));
        Assert.Equal(StoreResult.Ok, s.DiagReadAt(0, out SensorRecord r));
        Assert.Equal(new SensorRecord(0, 5, ulong.MaxValue), r);
        Assert.Equal(StoreResult.OutOfRange, s.DiagReadAt(1, out _));
    }

    [Fact]
    public void Diag_read_sees_pending_then_unsent_and_moves_nothing()
    {
        using SensorStoreSystem store = Open();
        SensorLog s = Init(store, SensorType.Event);
        for (uint v = 0; v < 45; v++)
        {
            s.AddEvent(v, 1000 + v);
        }
        Assert.Equal(StoreResult.Ok, s.ConsumeBatch(new EventRecord[10], out int n, out _));
        Assert.Equal(10, n);
        for (uint i = 0; i < 45; i++)
        {
            Assert.Equal(StoreResult.Ok, s.DiagReadAt(i, out SensorRecord r));
            Assert.Equal(new SensorRecord(i, i, 1000 + i), r);
        }
        Assert.Equal(10, s.PendingCount);
        Assert.Equal(35, s.UnsentCount);
    }

    [Fact]
    public void Event_records_are_12_bytes_packed_in_batches()
    {
        using SensorStoreSystem store = Open();
        SensorLog s = Init(store, SensorType.Event);
        s.AddEvent(0xAABBCCDD, 0x1122334455667788);
        var raw = new byte[24];
        Assert.Equal(StoreResult.Ok, s.ConsumeBatch(raw, out int n, out _));
        Assert.Equal(1, n);
        Assert.Equal(new byte[] { 0xDD, 0xCC, 0xBB, 0xAA, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 }, raw[..12]);
        Assert.Equal(12, System.Runtime.CompilerServices.Unsafe.SizeOf<EventRecord>());
    }

    [Fact]
    public void Full_pool_recycles_the_oldest_unsent_sector_and_counts_it()
    {
        // Two sensors, budget for exactly three sectors: each sensor's own plus one shared.
        int budget = SensorStoreOptions.Stm32SystemBytes + (2 * SensorStoreOptions.Stm32BytesPerSensor) + (3 * 258);
        using SensorStoreSystem store = Open(maxSensors: 2, budget: budget);
        SensorLog s = Init(store, SensorType.TimeSeries);
        for (uint v = 0; v < 120; v++)
        {
            Assert.Equal(StoreResult.Ok, s.AddTimeSeries(v)); // two sectors: its own and the shared one
        }
        Assert.Equal(StoreResult.Ok, s.AddTimeSeries(120)); // pool empty: sector [0..59] is recycled
        Assert.Equal(61, s.TotalRecords);
        Assert.Equal(60ul, s.GetStats().DroppedRecycled);
        Assert.Equal(StoreResult.Ok, s.ConsumeNext(out SensorRecord r));
        Assert.Equal(new SensorRecord(60, 60, 0), r);
    }

    [Fact]
    public void Full_pool_with_only_pending_left_drops_new_writes()
    {
        int budget = SensorStoreOptions.Stm32SystemBytes + SensorStoreOptions.Stm32BytesPerSensor + 258;
        using SensorStoreSystem store = Open(maxSensors: 1, budget: budget);
        SensorLog s = Init(store, SensorType.Event);
        for (uint v = 0; v < 20; v++)
        {
            Assert.Equal(StoreResult.Ok, s.AddEvent(v, v));
        }
        Assert.Equal(StoreResult.Ok, s.ConsumeNext(out _)); // one pending record pins the only sector
        Assert.Equal(StoreResult.NoSpace, s.AddEvent(99, 99));
        Assert.Equal(StoreResult.NoSpace, s.AddEvent(100, 100));
        Assert.Equal(2ul, s.GetStats().DroppedNew);
        Assert.Equal(20, s.TotalRecords);
        Assert.Equal(StoreResult.Ok, s.EraseAllPending());
        // The sector still holds 19 unsent records: recycled (counted) for the new one.
        Assert.Equal(StoreResult.Ok, s.AddEvent(101, 101));
        Assert.Equal(19ul, s.GetStats().DroppedRecycled);
        Assert.Equal(1, s.TotalRecords);
        Assert.Equal(StoreResult.Ok, s.DiagReadAt(0, out SensorRecord r));
        Assert.Equal(new SensorRecord(20, 101, 101), r);
    }

    [Fact]
    public void Batch_stops_at_a_gap_left_by_a_recycled_sector()
    {
        int budget = SensorStoreOptions.Stm32SystemBytes + SensorStoreOptions.Stm32BytesPerSensor + (3 * 258);
        using SensorStoreSystem store = Open(maxSensors: 1, budget: budget);
        SensorLog s = Init(store, SensorType.TimeSeries);
        for (uint v = 0; v < 180; v++)
        {
            s.AddTimeSeries(v); // three sectors
        }
        Assert.Equal(StoreResult.Ok, s.ConsumeBatch(new uint[10], out _, out _)); // records 0..9 pending
        Assert.Equal(StoreResult.Ok, s.AddTimeSeries(180)); // recycles the sector of 60..119
        var batch = new uint[500];
        Assert.Equal(StoreResult.Ok, s.ConsumeBatch(batch, out int n, out ulong first));
        Assert.Equal((10ul, 50), (first, n));
        Assert.Equal(StoreResult.Ok, s.ConsumeBatch(batch, out n, out first));
        Assert.Equal((120ul, 61), (first, n));
        Assert.Equal(180u, batch[60]);
        Assert.Equal(StoreResult.TryAgain, s.ConsumeBatch(batch, out _, out _));
    }

    [Fact]
    public void A_sensor_emptied_by_erase_reuses_its_sector_in_place()
    {
        int budget = SensorStoreOptions.Stm32SystemBytes + SensorStoreOptions.Stm32BytesPerSensor + 258;
        using SensorStoreSystem store = Open(maxSensors: 1, budget: budget);
        SensorLog s = Init(store, SensorType.TimeSeries);
        for (int round = 0; round < 10; round++)
        {
            for (uint v = 0; v < 60; v++)
            {
                Assert.Equal(StoreResult.Ok, s.AddTimeSeries(v));
            }
            Assert.Equal(StoreResult.Ok, s.ConsumeBatch(new uint[60], out int n, out ulong first));
            Assert.Equal((ulong)(round * 60), first);
            Assert.Equal(60, n);
            Assert.Equal(StoreResult.Ok, s.EraseAllPending());
        }
        SensorStats stats = s.GetStats();
        Assert.Equal(0ul, stats.DroppedNew + stats.DroppedRecycled);
        Assert.Equal(600ul, stats.TotalErased);
    }

    [Fact]
    public void Initial_index_offsets_every_sensor_stream()
    {
        using SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Stm32() with { InitialIndex = 5UL << 40 });
        SensorLog s = Init(store, SensorType.TimeSeries);
        s.AddTimeSeries(1);
        Assert.Equal(StoreResult.Ok, s.ConsumeNext(out SensorRecord r));
        Assert.Equal(5UL << 40, r.Index);
    }

    [Fact]
    public void Writers_and_one_uploader_in_parallel_lose_nothing_that_was_not_counted()
    {
        using SensorStoreSystem store = Open(maxSensors: 8);
        var sensors = Enumerable.Range(0, 8).Select(i => Init(store, SensorType.Event, (uint)i)).ToArray();
        const int PerSensor = 20_000;
        long refused = 0;
        var writers = Enumerable.Range(0, 2).Select(w => new Thread(() =>
        {
            for (uint v = 0; v < PerSensor; v++)
            {
                for (int i = w; i < sensors.Length; i += 2)
                {
                    if (sensors[i].AddEvent(v, v) != StoreResult.Ok)
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
            }
        })).ToArray();
        foreach (Thread t in writers)
        {
            t.Start();
        }
        var received = new long[sensors.Length];
        var last = new long[sensors.Length];
        Array.Fill(last, -1);
        var buffer = new EventRecord[64];
        bool Drain()
        {
            bool any = false;
            for (int i = 0; i < sensors.Length; i++)
            {
                while (sensors[i].ConsumeBatch(buffer, out int n, out ulong first) == StoreResult.Ok)
                {
                    any = true;
                    for (int k = 0; k < n; k++)
                    {
                        Assert.Equal((ulong)buffer[k].Value, buffer[k].TimestampMs);
                        Assert.True(buffer[k].Value > last[i], "records in order");
                        last[i] = buffer[k].Value;
                    }
                    received[i] += n;
                    sensors[i].EraseAllPending();
                }
            }
            return any;
        }
        while (writers.Any(t => t.IsAlive))
        {
            Drain();
        }
        Drain();
        long dropped = sensors.Sum(s => (long)(s.GetStats().DroppedRecycled + s.GetStats().DroppedNew));
        Assert.Equal((long)PerSensor * sensors.Length, received.Sum() + dropped);
        Assert.Equal(refused, sensors.Sum(s => (long)s.GetStats().DroppedNew));
    }
}
