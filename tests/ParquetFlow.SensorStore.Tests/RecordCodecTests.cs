using System.Buffers.Binary;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>The one record layout (RecordCodec) and the source names the topic and the idempotency key are built from.</summary>
public sealed class RecordCodecTests
{
    [Fact]
    public void Event_record_has_the_C_struct_layout_and_reads_back()
    {
        Span<byte> bytes = stackalloc byte[RecordCodec.EventSize];
        RecordCodec.WriteEvent(bytes, 0x01020304, 0x1122334455667788);
        Assert.Equal(0x01020304u, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        Assert.Equal(0x1122334455667788ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(4)));
        Assert.Equal(new SensorRecord(9, 0x01020304, 0x1122334455667788), RecordCodec.Read(bytes, SensorType.Event, 9));
        Assert.Equal(new SensorRecord(9, 0x01020304, 0), RecordCodec.Read(bytes, SensorType.TimeSeries, 9));
        Assert.Equal((4, 12), (RecordCodec.Size(SensorType.TimeSeries), RecordCodec.Size(SensorType.Event)));
    }

    [Fact]
    public void Payload_records_are_the_stored_records_in_little_endian()
    {
        byte[] stored = new byte[2 * RecordCodec.EventSize];
        RecordCodec.WriteEvent(stored, 7, 70);
        RecordCodec.WriteEvent(stored.AsSpan(RecordCodec.EventSize), 8, 80);
        var payload = new UploadPayload { GatewayId = "gw", Source = SensorSource.Can, Type = SensorType.Event, SensorId = 3, FirstIndex = 5, Count = 2, Records = stored };
        UploadPayload back = UploadPayload.Decode(payload.Encode());
        Assert.Equal((7u, 70ul, 8u, 80ul), (back.ValueAt(0), back.TimestampAt(0), back.ValueAt(1), back.TimestampAt(1)));
    }

    [Fact]
    public void Topic_and_idempotency_key_keep_their_exact_strings()
    {
        Assert.Equal("pqflow/gw-1/application/0000000042", UploadPayload.Topic("pqflow", "gw-1", SensorSource.Application, 42));
        var payload = new UploadPayload { GatewayId = "gw-1", Source = SensorSource.Can, SensorId = 42, FirstIndex = 1000 };
        Assert.Equal("gw-1/can/42/1000", payload.IdempotencyKey);
        Assert.Equal(["host", "application", "can"], new[] { SensorSource.Host, SensorSource.Application, SensorSource.Can }.Select(SensorNames.Of));
        Assert.Throws<ArgumentOutOfRangeException>(() => SensorNames.Of((SensorSource)3));
    }
}
