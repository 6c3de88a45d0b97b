// The uploader's message body (docs/formats.md, "Sensor store upload payload"): a 32-byte header, the
// gateway id, then the records, all little-endian.
using System.Buffers.Binary;
using System.Text;
using ParquetFlow.Durability;

namespace ParquetFlow.SensorStore;

/// <summary>One uploaded batch: who sent it, which sensor, the first record index and the records.</summary>
public sealed record UploadPayload
{
    /// <summary>"PQSB" read as a little-endian uint32.</summary>
    public const uint Magic = 0x42535150;

    /// <summary>Layout version.</summary>
    public const byte Version = 1;

    /// <summary>Bytes before the gateway id.</summary>
    public const int HeaderSize = 32;

    public required string GatewayId { get; init; }

    public SensorSource Source { get; init; }

    public SensorType Type { get; init; }

    public uint SensorId { get; init; }

    /// <summary>Index of the first record; the batch holds indices <c>FirstIndex .. FirstIndex + Count − 1</c>.</summary>
    public ulong FirstIndex { get; init; }

    public int Count { get; init; }

    /// <summary>The records as stored (<see cref="RecordCodec"/>): 4 bytes (value) or 12 bytes (value, ts_ms) each.</summary>
    public ReadOnlyMemory<byte> Records { get; init; }

    /// <summary>The idempotency key: the same batch re-sent after a lost acknowledgement has the same key.</summary>
    public string IdempotencyKey => $"{GatewayId}/{SensorNames.Of(Source)}/{SensorId}/{FirstIndex}";

    /// <summary>The topic of a sensor: <c>{prefix}/{gateway}/{source}/{sensor id, 10 digits}</c>.</summary>
    public static string Topic(string prefix, string gatewayId, SensorSource source, uint sensorId) =>
        $"{prefix}/{gatewayId}/{SensorNames.Of(source)}/{sensorId:D10}";

    public byte[] Encode()
    {
        byte[] gateway = Encoding.UTF8.GetBytes(GatewayId);
        if (gateway.Length > 255)
        {
            throw new ArgumentException("gateway id longer than 255 UTF-8 bytes");
        }
        int recordSize = RecordCodec.Size(Type);
        var buffer = new byte[HeaderSize + gateway.Length + (Count * recordSize)];
        Span<byte> b = buffer;
        BinaryPrimitives.WriteUInt32LittleEndian(b, Magic);
        b[4] = Version;
        b[5] = (byte)Source;
        b[6] = (byte)Type;
        b[7] = (byte)gateway.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(b.Slice(8), SensorId);
        BinaryPrimitives.WriteUInt32LittleEndian(b.Slice(12), (uint)Count);
        BinaryPrimitives.WriteUInt64LittleEndian(b.Slice(16), FirstIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(b.Slice(24), Crc32C.Compute(Records.Span));
        BinaryPrimitives.WriteUInt32LittleEndian(b.Slice(28), 0);
        gateway.CopyTo(b.Slice(HeaderSize));
        RecordCodec.CopyToWire(Records.Span, Type, Count, b.Slice(HeaderSize + gateway.Length));
        return buffer;
    }

    /// <summary>Decodes a payload; throws <see cref="FormatException"/> with the reason on bad input.</summary>
    public static UploadPayload Decode(ReadOnlySpan<byte> b)
    {
        if (b.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(b) != Magic || b[4] != Version)
        {
            throw new FormatException("not a sensor store payload (magic or version)");
        }
        var type = (SensorType)b[6];
        if (type != SensorType.TimeSeries && type != SensorType.Event || b[5] > (byte)SensorSource.Can)
        {
            throw new FormatException($"bad source {b[5]} or type {b[6]}");
        }
        int gatewayLength = b[7];
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(12));
        long expected = HeaderSize + gatewayLength + ((long)count * RecordCodec.Size(type));
        if (b.Length != expected)
        {
            throw new FormatException($"payload of {b.Length} bytes, header says {expected}");
        }
        byte[] records = b.Slice(HeaderSize + gatewayLength).ToArray();
        if (Crc32C.Compute(records) != BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(24)))
        {
            throw new FormatException("payload CRC mismatch");
        }
        return new UploadPayload
        {
            GatewayId = Encoding.UTF8.GetString(b.Slice(HeaderSize, gatewayLength)),
            Source = (SensorSource)b[5],
            Type = type,
            SensorId = BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(8)),
            Count = (int)count,
            FirstIndex = BinaryPrimitives.ReadUInt64LittleEndian(b.Slice(16)),
            Records = records,
        };
    }

    /// <summary>Value of record <paramref name="i"/>.</summary>
    public uint ValueAt(int i) => RecordCodec.WireValue(Records.Span, Type, i);

    /// <summary>Timestamp of event record <paramref name="i"/> (0 for time-series).</summary>
    public ulong TimestampAt(int i) => RecordCodec.WireTimestamp(Records.Span, Type, i);
}
