using System.Buffers;
using System.Buffers.Binary;

namespace ParquetFlow.Collector.Framing;

/// <summary>
/// The length-prefixed <c>DataPacket</c> framing (layout in docs/formats.md, "Collector wire framings"), little-endian:
/// <c>uint32 length</c> of what follows, then <c>cmd, source_type, seq, flags, src_id, 3 reserved</c> bytes,
/// <c>uint64 timestamp_us</c>, <c>uint32 count</c>, <c>count × uint16</c> offsets and, except in a QUERY,
/// <c>count × uint16</c> values. A QUERY_REPLY (collector to client) has the same shape as a DIFF.
/// </summary>
public static class PacketFraming
{
    /// <summary>Bytes from the start of a frame to its register arrays.</summary>
    public const int HeaderSize = 24;

    /// <summary>Reply flag: the queried source has no image (values are 0).</summary>
    public const byte UnknownSourceFlag = 1;

    /// <summary>The largest valid <c>length</c> field: a DIFF or FULL of 65,536 registers.</summary>
    public const int MaxLength = HeaderSize - 4 + (4 * RackPacket.MaxRegisters);

    /// <summary>
    /// Reads one frame from the start of <paramref name="buffer"/> into <paramref name="packet"/>. On
    /// <see cref="FrameStatus.Complete"/> the frame is sliced off <paramref name="buffer"/>; otherwise nothing is
    /// consumed, and <paramref name="error"/> says why a frame is malformed. A length field that cannot be valid is
    /// rejected at once, so garbage never makes a connection buffer more than one frame.
    /// </summary>
    /// <param name="buffer">Received bytes.</param>
    /// <param name="packet">Where the frame is decoded to.</param>
    /// <param name="error">Why the frame is malformed.</param>
    /// <param name="acceptReplies">True for a client reading the collector's replies.</param>
    public static FrameStatus TryRead(ref ReadOnlySequence<byte> buffer, RackPacket packet, out string? error, bool acceptReplies = false)
    {
        error = null;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadLittleEndian(out int rawLength))
        {
            return FrameStatus.NeedMoreData;
        }

        uint length = (uint)rawLength;
        if (length < HeaderSize - 4 || length > MaxLength)
        {
            error = $"frame length {length} is outside {HeaderSize - 4}..{MaxLength}";
            return FrameStatus.Malformed;
        }

        if (reader.Remaining < HeaderSize - 4)
        {
            return FrameStatus.NeedMoreData;
        }

        reader.TryRead(out byte cmd);
        reader.TryRead(out byte sourceType);
        reader.TryRead(out byte seq);
        reader.TryRead(out byte flags);
        reader.TryRead(out byte sourceId);
        reader.TryRead(out byte r0);
        reader.TryRead(out byte r1);
        reader.TryRead(out byte r2);
        reader.TryReadLittleEndian(out long timestampUs);
        reader.TryReadLittleEndian(out int rawCount);
        uint count = (uint)rawCount;
        if (cmd > (byte)PacketCommand.QueryReply || (cmd == (byte)PacketCommand.QueryReply && !acceptReplies))
        {
            error = $"unknown command {cmd}";
            return FrameStatus.Malformed;
        }

        if (sourceType > (byte)SourceType.Rtos)
        {
            error = $"unknown source type {sourceType}";
            return FrameStatus.Malformed;
        }

        if ((r0 | r1 | r2) != 0 || (flags != 0 && cmd != (byte)PacketCommand.QueryReply))
        {
            error = "reserved header bytes are not zero";
            return FrameStatus.Malformed;
        }

        if (count > RackPacket.MaxRegisters)
        {
            error = $"register count {count} is over {RackPacket.MaxRegisters}";
            return FrameStatus.Malformed;
        }

        long expected = HeaderSize - 4 + (2L * count * (cmd == (byte)PacketCommand.Query ? 1 : 2));
        if (length != expected)
        {
            error = $"frame length {length} does not match {count} registers (expected {expected})";
            return FrameStatus.Malformed;
        }

        if (reader.Remaining < length - (HeaderSize - 4))
        {
            return FrameStatus.NeedMoreData;
        }

        packet.Command = (PacketCommand)cmd;
        packet.SourceType = (SourceType)sourceType;
        packet.Sequence = seq;
        packet.Flags = flags;
        packet.SourceId = sourceId;
        packet.TimestampUs = timestampUs;
        packet.SetCount((int)count);
        SimpleFraming.ReadRegisters(ref reader, packet.Control);
        if (packet.Command != PacketCommand.Query)
        {
            SimpleFraming.ReadRegisters(ref reader, packet.Data);
        }

        buffer = buffer.Slice(reader.Position);
        return FrameStatus.Complete;
    }

    /// <summary>Appends <paramref name="packet"/> in this framing.</summary>
    public static void Write(IBufferWriter<byte> output, RackPacket packet)
    {
        if (packet.SourceId is < 0 or > byte.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(packet), packet.SourceId, "the packet framing's src_id is one byte");
        }

        int count = packet.Count;
        bool query = packet.Command == PacketCommand.Query;
        int size = HeaderSize + (2 * count * (query ? 1 : 2));
        Span<byte> span = output.GetSpan(size)[..size];
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)(size - 4));
        span[4] = (byte)packet.Command;
        span[5] = (byte)packet.SourceType;
        span[6] = (byte)(packet.Sequence < 0 ? 0 : packet.Sequence);
        span[7] = packet.Flags;
        span[8] = (byte)packet.SourceId;
        span[9..12].Clear();
        BinaryPrimitives.WriteInt64LittleEndian(span[12..], packet.TimestampUs);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], (uint)count);
        SimpleFraming.WriteRegisters(packet.Control, span[HeaderSize..]);
        if (!query)
        {
            SimpleFraming.WriteRegisters(packet.Data, span[(HeaderSize + (2 * count))..]);
        }

        output.Advance(size);
    }
}
