// How one record is laid out: the single definition used by RAM and disk sectors, consumed batches (.NET and the C
// API's buffers) and the upload payload (docs/formats.md, "Sector" and "Upload payload").
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ParquetFlow.SensorStore;

/// <summary>
/// A time-series record is <c>uint32 value</c> (4 bytes); an event record is <c>uint32 value, uint64 ts_ms</c>
/// (12 bytes, the C <c>struct EventRecord</c> packed to 4, <see cref="EventRecord"/>). Records are packed without
/// padding. In sectors and consumed batches they are in the CPU's byte order (so a C caller or a
/// <c>Span&lt;EventRecord&gt;</c> reads them in place); on the wire they are little-endian, which is the same bytes on
/// every supported target. Stateless and thread-safe.
/// </summary>
public static class RecordCodec
{
    /// <summary>Bytes per time-series record.</summary>
    public const int TimeSeriesSize = sizeof(uint);

    /// <summary>Bytes per event record.</summary>
    public const int EventSize = EventRecord.Size;

    /// <summary>Bytes of the largest record (an event): a buffer of n times this holds n records of either type.</summary>
    public const int MaxSize = EventSize;

    private const int TimestampOffset = sizeof(uint);

    /// <summary>Bytes per record of <paramref name="type"/>.</summary>
    public static int Size(SensorType type) => type == SensorType.Event ? EventSize : TimeSeriesSize;

    /// <summary>Writes a time-series record into the first <see cref="TimeSeriesSize"/> bytes of <paramref name="destination"/>.</summary>
    public static void WriteTimeSeries(Span<byte> destination, uint value) => MemoryMarshal.Write(destination, in value);

    /// <summary>Writes an event record into the first <see cref="EventSize"/> bytes of <paramref name="destination"/>.</summary>
    public static void WriteEvent(Span<byte> destination, uint value, ulong timestampMs)
    {
        MemoryMarshal.Write(destination, in value);
        MemoryMarshal.Write(destination.Slice(TimestampOffset), in timestampMs);
    }

    /// <summary>Writes <paramref name="record"/> (its value, and its timestamp when <paramref name="type"/> is an event).</summary>
    public static void Write(Span<byte> destination, SensorType type, SensorRecord record)
    {
        if (type == SensorType.Event)
        {
            WriteEvent(destination, record.Value, record.TimestampMs);
        }
        else
        {
            WriteTimeSeries(destination, record.Value);
        }
    }

    /// <summary>Reads the record of <paramref name="type"/> at the start of <paramref name="source"/> as record <paramref name="index"/>.</summary>
    public static SensorRecord Read(ReadOnlySpan<byte> source, SensorType type, ulong index) => new(
        index,
        MemoryMarshal.Read<uint>(source),
        type == SensorType.Event ? MemoryMarshal.Read<ulong>(source.Slice(TimestampOffset)) : 0);

    /// <summary>Copies <paramref name="count"/> stored records to their wire form (little-endian) in <paramref name="destination"/>.</summary>
    public static void CopyToWire(ReadOnlySpan<byte> records, SensorType type, int count, Span<byte> destination)
    {
        int size = Size(type);
        if (BitConverter.IsLittleEndian)
        {
            records.Slice(0, count * size).CopyTo(destination);
            return;
        }
        for (int i = 0; i < count; i++)
        {
            SensorRecord r = Read(records.Slice(i * size), type, 0);
            BinaryPrimitives.WriteUInt32LittleEndian(destination.Slice(i * size), r.Value);
            if (type == SensorType.Event)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice((i * size) + TimestampOffset), r.TimestampMs);
            }
        }
    }

    /// <summary>The value of record <paramref name="i"/> of wire-form <paramref name="records"/>.</summary>
    public static uint WireValue(ReadOnlySpan<byte> records, SensorType type, int i) =>
        BinaryPrimitives.ReadUInt32LittleEndian(records.Slice(i * Size(type)));

    /// <summary>The timestamp of record <paramref name="i"/> of wire-form <paramref name="records"/> (0 for time-series).</summary>
    public static ulong WireTimestamp(ReadOnlySpan<byte> records, SensorType type, int i) =>
        type == SensorType.Event ? BinaryPrimitives.ReadUInt64LittleEndian(records.Slice((i * EventSize) + TimestampOffset)) : 0;
}
