using ParquetFlow.Durability.Faults;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>
/// The store's .NET face: Try methods for the outcomes a caller expects (no room, nothing unsent), exceptions for misuse
/// and disk failures, over the internal StoreResult methods the C exports return unchanged.
/// </summary>
public sealed class DotNetApiTests
{
    [Fact]
    public void Sensors_are_created_once_and_misuse_is_an_exception_that_names_the_sensor()
    {
        using SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Stm32() with { MaxSensors = 2 });
        SensorLog temperature = store.GetOrCreateSensor(SensorSource.Can, 5, SensorType.TimeSeries);
        Assert.Same(temperature, store.GetOrCreateSensor(SensorSource.Can, 5, SensorType.TimeSeries));

        InvalidOperationException other = Assert.Throws<InvalidOperationException>(() => store.GetOrCreateSensor(SensorSource.Can, 5, SensorType.Event));
        Assert.Contains("can/5", other.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => store.GetOrCreateSensor((SensorSource)7, 1, SensorType.Event));

        store.GetOrCreateSensor(SensorSource.Host, 1, SensorType.Event);
        InvalidOperationException full = Assert.Throws<InvalidOperationException>(() => store.GetOrCreateSensor(SensorSource.Host, 2, SensorType.Event));
        Assert.Contains("2 sensor slots", full.Message, StringComparison.Ordinal);

        InvalidOperationException wrongKind = Assert.Throws<InvalidOperationException>(() => temperature.TryAdd(1, 1_000));
        Assert.Contains("can/5 is a TimeSeries sensor", wrongKind.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_store_that_cannot_open_throws_with_the_reason()
    {
        InvalidOperationException invalid = Assert.Throws<InvalidOperationException>(() => SensorStoreSystem.Open(SensorStoreOptions.Stm32() with { MaxSensors = 0 }));
        Assert.Equal("cannot open the sensor store: MaxSensors must be in 1..65535", invalid.Message);
        InvalidOperationException budget = Assert.Throws<InvalidOperationException>(() => SensorStoreSystem.Open(SensorStoreOptions.Stm32() with { MaxSensors = 200 }));
        Assert.Equal("cannot open the sensor store: the memory budget cannot hold one sector per sensor", budget.Message);

        using var dir = new TempDirectory();
        string file = Path.Combine(dir.Path, "a-file");
        File.WriteAllText(file, "not a directory");
        IOException disk = Assert.Throws<IOException>(() => SensorStoreSystem.Open(SensorStoreOptions.Linux(Path.Combine(file, "store"))));
        Assert.StartsWith($"cannot open the sensor store: {Path.Combine(file, "store")}: ", disk.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Records_go_in_and_come_out_through_try_methods_and_a_read_past_the_end_throws()
    {
        using SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Stm32());
        SensorLog events = store.GetOrCreateSensor(SensorSource.Application, 3, SensorType.Event);
        Assert.False(events.TryConsumeNext(out _)); // nothing unsent yet
        for (uint v = 0; v < 10; v++)
        {
            Assert.True(events.TryAdd(v * 10, 5_000 + v));
        }

        Assert.Equal(70u, events.ReadAt(7).Value);
        Assert.Equal(5_007ul, events.ReadAt(7).TimestampMs);
        Assert.Throws<ArgumentOutOfRangeException>(() => events.ReadAt(10));

        Assert.True(events.TryConsumeNext(out SensorRecord first));
        Assert.Equal((0ul, 0u), (first.Index, first.Value));
        byte[] batch = new byte[4 * RecordCodec.EventSize];
        Assert.True(events.TryConsumeBatch(batch, out int count, out ulong index));
        Assert.Equal((4, 1ul), (count, index));
        Assert.Throws<ArgumentException>(() => events.TryConsumeBatch(new byte[RecordCodec.EventSize - 1], out _, out _));
        while (events.TryConsumeBatch(batch, out _, out _))
        {
        }

        Assert.False(events.TryConsumeNext(out _));
        Assert.Equal(10, events.GetStats().PendingRecords); // consumed, not erased: the cloud has not acknowledged them
    }

    [Fact]
    public void A_write_with_no_room_left_but_pending_records_is_refused_as_false_and_counted()
    {
        // STM32: the oldest unsent records are recycled for new ones, but pending ones (handed to the uploader) never are:
        // once every record is pending, a write has no room.
        using SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Stm32() with { MaxSensors = 1 });
        SensorLog sensor = store.GetOrCreateSensor(SensorSource.Host, 1, SensorType.TimeSeries);
        uint value = 0;
        for (int i = 0; i < 20_000; i++)
        {
            Assert.True(sensor.TryAdd(value++));
        }

        byte[] batch = new byte[1024 * RecordCodec.TimeSeriesSize];
        while (sensor.TryConsumeBatch(batch, out _, out _))
        {
        }

        int refused = 0;
        for (int i = 0; i < 20_000 && refused == 0; i++)
        {
            refused += sensor.TryAdd(value++) ? 0 : 1;
        }

        Assert.Equal(1, refused);
        Assert.Equal(1ul, sensor.GetStats().DroppedNew);
    }

    [Fact]
    public void Typed_batches_read_values_and_events_in_place_and_the_wrong_type_is_an_exception()
    {
        using SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Stm32());
        SensorLog values = store.GetOrCreateSensor(SensorSource.Host, 1, SensorType.TimeSeries);
        SensorLog events = store.GetOrCreateSensor(SensorSource.Can, 2, SensorType.Event);
        for (uint v = 0; v < 8; v++)
        {
            Assert.True(values.TryAdd(100 + v));
            Assert.True(events.TryAdd(200 + v, 9_000 + v));
        }

        var numbers = new uint[5];
        Assert.True(values.TryConsumeBatch(numbers, out int count, out ulong first));
        Assert.Equal((5, 0ul), (count, first));
        Assert.Equal([100u, 101, 102, 103, 104], numbers);
        Assert.True(values.TryConsumeBatch(numbers, out count, out first));
        Assert.Equal((3, 5ul), (count, first));
        Assert.Equal([105u, 106, 107], numbers[..3]);
        Assert.False(values.TryConsumeBatch(numbers, out _, out _));

        var records = new EventRecord[3];
        Assert.True(events.TryConsumeBatch(records, out count, out first));
        Assert.Equal((3, 0ul), (count, first));
        Assert.Equal([new EventRecord(200, 9_000), new EventRecord(201, 9_001), new EventRecord(202, 9_002)], records);

        InvalidOperationException wrong = Assert.Throws<InvalidOperationException>(() => values.TryConsumeBatch(new EventRecord[1], out _, out _));
        Assert.Contains("host/1 is a TimeSeries sensor", wrong.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => events.TryConsumeBatch(new uint[3], out _, out _));
        Assert.Throws<ArgumentException>(() => events.TryConsumeBatch(Span<EventRecord>.Empty, out _, out _));
        Assert.Equal(5, events.UnsentCount); // the refused calls consumed nothing
    }

    [Fact]
    public void Acknowledging_forgets_exactly_the_pending_records_and_says_how_many()
    {
        using SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Stm32());
        SensorLog sensor = store.GetOrCreateSensor(SensorSource.Application, 4, SensorType.TimeSeries);
        Assert.Equal(0, sensor.AcknowledgePending()); // nothing consumed yet
        for (uint v = 0; v < 100; v++)
        {
            Assert.True(sensor.TryAdd(v));
        }

        Assert.True(sensor.TryConsumeBatch(new uint[30], out _, out _));
        Assert.Equal((30, 70), (sensor.PendingCount, sensor.UnsentCount));
        Assert.Equal(30, sensor.AcknowledgePending());
        Assert.Equal((0, 70, 70), (sensor.PendingCount, sensor.UnsentCount, sensor.TotalRecords));
        Assert.Equal(0, sensor.AcknowledgePending());
        Assert.Equal(30ul, sensor.GetStats().TotalErased);
        Assert.Equal(new SensorRecord(30, 30, 0), sensor.ReadAt(0)); // the oldest retained record is the first unacknowledged one
        Assert.True(sensor.TryConsumeNext(out SensorRecord next));
        Assert.Equal(30ul, next.Index);
    }

    [Fact]
    public void Flush_makes_every_record_durable_and_they_read_back_after_a_restart()
    {
        using var dir = new TempDirectory();
        SensorStoreOptions options = SensorStoreOptions.Linux(dir.Path) with { RamPoolBytes = 4 * 4096, DiskSectorSize = 8192 };
        using (SensorStoreSystem store = SensorStoreSystem.Open(options))
        {
            SensorLog sensor = store.GetOrCreateSensor(SensorSource.Host, 3, SensorType.TimeSeries);
            for (uint v = 0; v < 5_000; v++)
            {
                Assert.True(sensor.TryAdd(v * 3));
            }

            Assert.False(store.IsFlushedToDisk);
            store.Flush();
            Assert.True(store.IsFlushedToDisk);
        }

        using (SensorStoreSystem store = SensorStoreSystem.Open(options))
        {
            SensorLog sensor = store.GetOrCreateSensor(SensorSource.Host, 3, SensorType.TimeSeries);
            Assert.Equal(5_000, sensor.UnsentCount);
            Assert.Equal(4_999u * 3, sensor.ReadAt(4_999).Value);
        }
    }

    [Fact]
    public void A_flush_the_disk_fails_throws_an_io_exception_with_the_disk_error_and_keeps_the_records_for_the_next_flush()
    {
        using var dir = new TempDirectory();
        var storage = new FaultyStorage();
        SensorStoreOptions options = SensorStoreOptions.Linux(dir.Path) with { RamPoolBytes = 4 * 4096, DiskSectorSize = 8192, Storage = storage };
        using (SensorStoreSystem store = SensorStoreSystem.Open(options))
        {
            SensorLog sensor = store.GetOrCreateSensor(SensorSource.Can, 8, SensorType.Event);
            for (uint v = 0; v < 1_000; v++)
            {
                Assert.True(sensor.TryAdd(v, 70_000 + v));
            }

            storage.Fail(StorageFault.IOError, StorageOperation.Sync, path => path.EndsWith(".dat", StringComparison.Ordinal), times: 1);
            IOException failed = Assert.Throws<IOException>(store.Flush);
            Assert.Contains("Input/output error", failed.Message, StringComparison.Ordinal);
            Assert.False(store.IsFlushedToDisk);
            Assert.Equal(1_000, sensor.UnsentCount);

            store.Flush(); // the disk answers again: the same records are written now
            Assert.True(store.IsFlushedToDisk);
        }

        using (SensorStoreSystem store = SensorStoreSystem.Open(options with { Storage = Durability.Storage.Default }))
        {
            SensorLog sensor = store.GetOrCreateSensor(SensorSource.Can, 8, SensorType.Event);
            Assert.Equal(1_000, sensor.UnsentCount);
            Assert.Equal(new SensorRecord(999, 999, 70_999), sensor.ReadAt(999));
        }
    }

    [Fact]
    public void A_flush_that_finds_the_disk_quota_full_of_pending_records_throws_an_io_exception_naming_the_quota()
    {
        // One disk sector of quota: once it holds records handed to the uploader (pending, never evicted), the next
        // records have nowhere to go on disk.
        using var dir = new TempDirectory();
        SensorStoreOptions options = SensorStoreOptions.Linux(dir.Path) with { RamPoolBytes = 4 * 4096, DiskSectorSize = 8192, DiskQuotaBytes = 8192 };
        using SensorStoreSystem store = SensorStoreSystem.Open(options);
        SensorLog sensor = store.GetOrCreateSensor(SensorSource.Host, 1, SensorType.TimeSeries);
        int perDiskSector = (8192 - SensorStoreOptions.SectorHeaderSize) / RecordCodec.TimeSeriesSize;
        for (int v = 0; v < perDiskSector; v++)
        {
            Assert.True(sensor.TryAdd((uint)v));
        }

        store.Flush();
        Assert.True(sensor.TryConsumeBatch(new uint[perDiskSector], out int count, out _));
        Assert.Equal(perDiskSector, count);
        for (int v = 0; v < 100; v++)
        {
            Assert.True(sensor.TryAdd((uint)v));
        }

        IOException full = Assert.Throws<IOException>(store.Flush);
        Assert.Contains("disk quota of 8192 bytes is full", full.Message, StringComparison.Ordinal);
        Assert.Equal(100, sensor.UnsentCount); // kept in RAM

        Assert.Equal(perDiskSector, sensor.AcknowledgePending());
        store.Flush(); // the acknowledgement freed the quota
        Assert.True(store.IsFlushedToDisk);
    }
}
