using System.Buffers;
using ParquetFlow.Collector.RawLog;

namespace ParquetFlow.Collector.Framing;

/// <summary>
/// Reads the frames of one wire framing. A listener chooses its reader once, when it starts, and every connection
/// it accepts uses it; a replay picks the reader of each raw-log record's framing. Stateless and thread-safe.
/// </summary>
public abstract class FrameReader
{
    private protected FrameReader()
    {
    }

    /// <summary>The reader of <see cref="SimpleFraming"/>.</summary>
    public static FrameReader Simple { get; } = new SimpleReader();

    /// <summary>The reader of <see cref="PacketFraming"/> (requests only: a reply frame is malformed here).</summary>
    public static FrameReader Packet { get; } = new PacketReader();

    /// <summary>The framing this reader reads, as the raw log records it.</summary>
    public abstract FramingKind Framing { get; }

    /// <summary>The reader of <paramref name="framing"/>.</summary>
    public static FrameReader For(FramingKind framing) => framing switch
    {
        FramingKind.Simple => Simple,
        FramingKind.Packet => Packet,
        _ => throw new ArgumentOutOfRangeException(nameof(framing), framing, "no such framing"),
    };

    /// <summary>
    /// Reads one frame from the start of <paramref name="buffer"/> into <paramref name="packet"/>. On
    /// <see cref="FrameStatus.Complete"/> the frame is sliced off <paramref name="buffer"/>; otherwise nothing is
    /// consumed, and <paramref name="error"/> says why a frame is malformed.
    /// </summary>
    public abstract FrameStatus TryRead(ref ReadOnlySequence<byte> buffer, RackPacket packet, out string? error);

    private sealed class SimpleReader : FrameReader
    {
        public override FramingKind Framing => FramingKind.Simple;

        public override FrameStatus TryRead(ref ReadOnlySequence<byte> buffer, RackPacket packet, out string? error) =>
            SimpleFraming.TryRead(ref buffer, packet, out error);
    }

    private sealed class PacketReader : FrameReader
    {
        public override FramingKind Framing => FramingKind.Packet;

        public override FrameStatus TryRead(ref ReadOnlySequence<byte> buffer, RackPacket packet, out string? error) =>
            PacketFraming.TryRead(ref buffer, packet, out error);
    }
}
