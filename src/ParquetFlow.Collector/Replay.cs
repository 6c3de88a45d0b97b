using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Images;
using ParquetFlow.Collector.RawLog;

namespace ParquetFlow.Collector;

/// <summary>Rebuilds register images from a raw log, frame by frame in the order the collector accepted them.</summary>
public static class Replay
{
    /// <summary>Applies every intact record under <paramref name="rawDirectory"/> to <paramref name="images"/>; returns the frames applied.</summary>
    public static long Images(string rawDirectory, RegisterImages images, RawLogReader reader) => Images(rawDirectory, images, reader, out _);

    /// <summary>As <see cref="Images(string, RegisterImages, RawLogReader)"/>, also counting the register values of DIFF and FULL frames.</summary>
    public static long Images(string rawDirectory, RegisterImages images, RawLogReader reader, out long registers)
    {
        var packet = new RackPacket();
        long frames = 0;
        registers = 0;
        foreach (RawLogRecord record in reader.Read(rawDirectory))
        {
            var buffer = new System.Buffers.ReadOnlySequence<byte>(record.Frame);
            FrameStatus status = record.Framing == FramingKind.Simple
                ? SimpleFraming.TryRead(ref buffer, packet, out string? error)
                : PacketFraming.TryRead(ref buffer, packet, out error);
            if (status != FrameStatus.Complete || buffer.Length != 0)
            {
                throw new InvalidDataException($"{record.File} at byte {record.Offset}: a logged frame does not parse ({error ?? status.ToString()})");
            }

            images.Apply(packet);
            frames++;
            if (packet.Command is PacketCommand.Diff or PacketCommand.Full)
            {
                registers += packet.Count;
            }
        }

        return frames;
    }
}
