namespace ParquetFlow.SensorStore.Tests;

/// <summary>
/// The store's .NET face: Try methods for the outcomes a caller expects (no room, nothing unsent), exceptions for misuse,
/// over the StoreResult methods the C exports return unchanged.
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
}
