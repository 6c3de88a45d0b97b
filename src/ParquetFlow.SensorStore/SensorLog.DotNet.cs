// The .NET face of a sensor's log: Try methods for the outcomes a caller expects (no room, nothing unsent) and
// exceptions for misuse and disk failures, over the internal StoreResult methods the C exports return unchanged.
using System.Runtime.InteropServices;

namespace ParquetFlow.SensorStore;

public sealed partial class SensorLog
{
    /// <summary>
    /// Appends a time-series value; false when it was dropped (no room: only pending records left, or a disk error
    /// blocked the write; counted in <see cref="SensorStats.DroppedNew"/>). Throws <see cref="InvalidOperationException"/>
    /// on an event sensor.
    /// </summary>
    public bool TryAdd(uint value) => Added(AddTimeSeries(value), SensorType.TimeSeries);

    /// <summary>Appends an event (value and raw millisecond timestamp); false when it was dropped, as <see cref="TryAdd(uint)"/>.</summary>
    public bool TryAdd(uint value, ulong timestampMs) => Added(AddEvent(value, timestampMs), SensorType.Event);

    /// <summary>
    /// Moves up to <c>destination.Length / record size</c> unsent records to pending and copies them (4 or 12 bytes each,
    /// little-endian, as stored); false when none is unsent. A batch never spans a gap in the indices (left by dropped
    /// sectors): its records are <c>firstIndex .. firstIndex + count − 1</c>. Call <see cref="AcknowledgePending"/> once the
    /// cloud has them. Throws <see cref="ArgumentException"/> when <paramref name="destination"/> holds no record,
    /// <see cref="IOException"/> when the disk read failed before any record (a read that fails later ends the batch with
    /// what it has; nothing is lost: the next call reads it again).
    /// </summary>
    public bool TryConsumeBatch(Span<byte> destination, out int count, out ulong firstIndex) =>
        Consumed(ConsumeBatch(destination, out count, out firstIndex), nameof(destination));

    /// <summary>
    /// <see cref="TryConsumeBatch(Span{byte}, out int, out ulong)"/> into time-series values, one per element. Throws
    /// <see cref="InvalidOperationException"/> on an event sensor, else as the byte overload.
    /// </summary>
    public bool TryConsumeBatch(Span<uint> destination, out int count, out ulong firstIndex)
    {
        ThrowIfNot(SensorType.TimeSeries);
        return TryConsumeBatch(MemoryMarshal.AsBytes(destination), out count, out firstIndex);
    }

    /// <summary>
    /// <see cref="TryConsumeBatch(Span{byte}, out int, out ulong)"/> into events, one per element (the stored layout, read
    /// in place). Throws <see cref="InvalidOperationException"/> on a time-series sensor, else as the byte overload.
    /// </summary>
    public bool TryConsumeBatch(Span<EventRecord> destination, out int count, out ulong firstIndex)
    {
        ThrowIfNot(SensorType.Event);
        return TryConsumeBatch(MemoryMarshal.AsBytes(destination), out count, out firstIndex);
    }

    /// <summary>
    /// The oldest unsent record, moved to pending; false when none is unsent. Throws <see cref="IOException"/> as
    /// <see cref="TryConsumeBatch(Span{byte}, out int, out ulong)"/>.
    /// </summary>
    public bool TryConsumeNext(out SensorRecord record) => Consumed(ConsumeNext(out record), nameof(record));

    /// <summary>
    /// The record at <paramref name="offset"/> counted from the oldest retained one; moves no cursor. Throws
    /// <see cref="ArgumentOutOfRangeException"/> past the last record, <see cref="IOException"/> when the disk read failed.
    /// </summary>
    public SensorRecord ReadAt(ulong offset)
    {
        StoreResult r = DiagReadAt(offset, out SensorRecord record);
        return r switch
        {
            StoreResult.Ok => record,
            StoreResult.OutOfRange => throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{Name} retains {TotalRecords} records"),
            StoreResult.IoError => throw new IOException($"{Name}: reading record {offset} failed: {_store.GetStats().LastDiskError}"),
            _ => throw new InvalidOperationException($"{Name}: reading record {offset}: {r}"),
        };
    }

    /// <summary>"can/5", as in topics and reports.</summary>
    private string Name => $"{SensorNames.Of(Source)}/{SensorId}";

    private bool Added(StoreResult r, SensorType expected) => r switch
    {
        StoreResult.Ok => true,
        StoreResult.NoSpace or StoreResult.IoError => false,
        StoreResult.InvalidArgument when Type != expected => throw WrongType(expected),
        _ => throw new InvalidOperationException($"{Name}: the write failed: {r}"),
    };

    private void ThrowIfNot(SensorType expected)
    {
        if (Type != expected)
        {
            throw WrongType(expected);
        }
    }

    private InvalidOperationException WrongType(SensorType expected) => new($"{Name} is a {Type} sensor: it holds no {expected} records");

    private bool Consumed(StoreResult r, string parameter) => r switch
    {
        StoreResult.Ok => true,
        StoreResult.TryAgain => false,
        StoreResult.InvalidArgument => throw new ArgumentException($"{Name}: the destination holds no {Type} record", parameter),
        StoreResult.IoError => throw new IOException($"{Name}: consuming failed: {_store.GetStats().LastDiskError ?? "the index reservation is not durable yet"}"),
        _ => throw new InvalidOperationException($"{Name}: consuming failed: {r}"),
    };
}
