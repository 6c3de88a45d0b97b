using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ParquetFlow.Collector.Framing;

/// <summary>
/// The source document's simple framing, little-endian: <c>double time</c> (seconds since the Unix epoch),
/// <c>int32 rack</c>, <c>uint32 count</c> (≤ 65,536), <c>count × uint16</c> register offsets, <c>count × uint16</c>
/// values. Every frame is a DIFF from a <see cref="SourceType.Rack"/> without a sequence number.
/// </summary>
public static class SimpleFraming
{
    /// <summary>Bytes before the register arrays.</summary>
    public const int HeaderSize = 16;

    /// <summary>
    /// Reads one frame from the start of <paramref name="buffer"/> into <paramref name="packet"/>. On
    /// <see cref="FrameStatus.Complete"/> the frame is sliced off <paramref name="buffer"/>; otherwise nothing is
    /// consumed, and <paramref name="error"/> says why a frame is malformed.
    /// </summary>
    public static FrameStatus TryRead(ref ReadOnlySequence<byte> buffer, RackPacket packet, out string? error)
    {
        error = null;
        var reader = new SequenceReader<byte>(buffer);
        if (reader.Remaining < HeaderSize)
        {
            return FrameStatus.NeedMoreData;
        }

        reader.TryReadLittleEndian(out long timeBits);
        reader.TryReadLittleEndian(out int rack);
        reader.TryReadLittleEndian(out int rawCount);
        uint count = (uint)rawCount;
        double time = BitConverter.Int64BitsToDouble(timeBits);
        if (count > RackPacket.MaxRegisters)
        {
            error = $"register count {count} is over {RackPacket.MaxRegisters}";
            return FrameStatus.Malformed;
        }

        if (!double.IsFinite(time) || Math.Abs(time) > 9.2e12)
        {
            error = $"time {time} is not a number of seconds since 1970";
            return FrameStatus.Malformed;
        }

        if (reader.Remaining < 4L * count)
        {
            return FrameStatus.NeedMoreData;
        }

        packet.SetCount((int)count);
        packet.TimestampUs = (long)Math.Round(time * 1e6);
        packet.SourceType = SourceType.Rack;
        packet.SourceId = rack;
        packet.Command = PacketCommand.Diff;
        packet.Sequence = -1;
        packet.Flags = 0;
        ReadRegisters(ref reader, packet.Control);
        ReadRegisters(ref reader, packet.Data);
        buffer = buffer.Slice(reader.Position);
        return FrameStatus.Complete;
    }

    /// <summary>Appends <paramref name="packet"/> (a DIFF) in this framing.</summary>
    public static void Write(IBufferWriter<byte> output, RackPacket packet)
    {
        int count = packet.Count;
        Span<byte> span = output.GetSpan(HeaderSize + (4 * count));
        BinaryPrimitives.WriteDoubleLittleEndian(span, packet.TimestampUs / 1e6);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], packet.SourceId);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)count);
        WriteRegisters(packet.Control, span[HeaderSize..]);
        WriteRegisters(packet.Data, span[(HeaderSize + (2 * count))..]);
        output.Advance(HeaderSize + (4 * count));
    }

    internal static void ReadRegisters(ref SequenceReader<byte> reader, Span<ushort> target)
    {
        Span<byte> bytes = MemoryMarshal.AsBytes(target);
        reader.TryCopyTo(bytes);
        reader.Advance(bytes.Length);
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(target, target);
        }
    }

    internal static void WriteRegisters(ReadOnlySpan<ushort> values, Span<byte> target)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(target);
            return;
        }

        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(target[(2 * i)..], values[i]);
        }
    }
}
