using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Images;
using ParquetFlow.Collector.Output;
using ParquetFlow.Collector.RawLog;

namespace ParquetFlow.Collector;

/// <summary>What a replay went through.</summary>
/// <param name="Frames">Frames replayed.</param>
/// <param name="Registers">Register values in the DIFF and FULL frames among them.</param>
/// <param name="End">Just past the last record replayed (the position an image of the replay covers); null when there was none.</param>
public readonly record struct ReplayResult(long Frames, long Registers, RawLogPosition? End = null);

/// <summary>
/// Rebuilds register images and/or the Parquet dataset from a raw log, frame by frame in the order the collector
/// accepted them. The collector logs, applies and writes a frame as one step per source, so each source's image and
/// each partition's rows come out as the live run made them.
/// </summary>
public static class Replay
{
    /// <summary>Applies every intact record under <paramref name="rawDirectory"/> to <paramref name="images"/>; returns the frames applied.</summary>
    public static long Images(string rawDirectory, RegisterImages images, RawLogReader reader) => Run(rawDirectory, reader, images, null).Frames;

    /// <summary>Applies the intact records after <paramref name="after"/> (what an <c>image.bin</c> already covers) to <paramref name="images"/>; returns the frames applied.</summary>
    public static long Images(string rawDirectory, RegisterImages images, RawLogReader reader, RawLogPosition after) =>
        Run(reader.Read(rawDirectory, after), images, null).Frames;

    /// <summary>
    /// Replays every intact record under <paramref name="rawDirectory"/> into <paramref name="images"/> and/or
    /// <paramref name="parquet"/> (either may be null). Damaged records are skipped and reported in
    /// <paramref name="reader"/>'s problems; a record that is intact but does not parse throws <see cref="InvalidDataException"/>.
    /// <paramref name="frames"/>, when given, hears the frames replayed so far every 4,096 frames (for a progress line).
    /// </summary>
    public static ReplayResult Run(string rawDirectory, RawLogReader reader, RegisterImages? images, ParquetOutput? parquet, IProgress<long>? frames = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Run(reader.Read(rawDirectory), images, parquet, frames);
    }

    private static ReplayResult Run(IEnumerable<RawLogRecord> records, RegisterImages? images, ParquetOutput? parquet, IProgress<long>? progress = null)
    {
        // The server's own ingest step, without the raw log (the records come from it) and the live activity.
        var ingest = new FrameIngest(rawLog: null, images, activity: null, parquet);
        var packet = new RackPacket();
        long frames = 0;
        long registers = 0;
        RawLogPosition? end = null;
        foreach (RawLogRecord record in records)
        {
            end = new RawLogPosition(RawLogReader.SequenceOf(record.File), record.Offset + RawLogWriter.RecordHeaderSize + record.Frame.Length + 4);
            var buffer = new System.Buffers.ReadOnlySequence<byte>(record.Frame);
            FrameStatus status = FrameReader.For(record.Framing).TryRead(ref buffer, packet, out string? error);
            if (status != FrameStatus.Complete || buffer.Length != 0)
            {
                throw new InvalidDataException($"{record.File} at byte {record.Offset}: a logged frame does not parse ({error ?? status.ToString()})");
            }

            ingest.Accept(record.Frame.Span, record.Framing, packet, record.ReceiveTimeUs, record.PartitionByReceiveTime);
            frames++;
            if (frames % 4096 == 0)
            {
                progress?.Report(frames);
            }

            if (parquet is not null && frames % 65_536 == 0)
            {
                // A long log crosses many days: partitions no frame has touched for a few seconds of replay are done.
                parquet.CloseIdle(TimeSpan.FromSeconds(5));
            }

            if (packet.Command is PacketCommand.Diff or PacketCommand.Full)
            {
                registers += packet.Count;
            }
        }

        return new ReplayResult(frames, registers, end);
    }
}
