using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Images;
using ParquetFlow.Collector.Output;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Server;

namespace ParquetFlow.Collector;

/// <summary>
/// The one step that takes an accepted frame into the collector's state: the raw log, the source's register image,
/// its activity and the Parquet dataset, in that order and as one step per source. The live server and
/// <see cref="Replay"/> both go through it, so a replay of the raw log rebuilds images and partitions exactly as the
/// live run made them. Any part may be absent (a replay writes no raw log; an image rebuild writes no Parquet).
/// Thread-safe: sources map onto a set of lock stripes, so different sources do not wait for each other, and two
/// connections feeding one source are serialized in the raw log's order.
/// </summary>
public sealed class FrameIngest
{
    private readonly Lock[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new Lock())];
    private readonly RawLogWriter? _rawLog;
    private readonly RegisterImages? _images;
    private readonly SourceActivity? _activity;
    private readonly ParquetOutput? _parquet;

    /// <summary>An ingest step over the given parts (each may be null).</summary>
    public FrameIngest(RawLogWriter? rawLog, RegisterImages? images, SourceActivity? activity, ParquetOutput? parquet)
    {
        _rawLog = rawLog;
        _images = images;
        _activity = activity;
        _parquet = parquet;
    }

    /// <summary>
    /// Takes one frame in: <paramref name="frame"/> (its bytes as received, in <paramref name="framing"/>) goes to the
    /// raw log, <paramref name="packet"/> (the frame parsed) to the image, the activity and the Parquet partition of
    /// its own time, or of <paramref name="receiveTimeUs"/> when <paramref name="partitionByReceiveTime"/> (a timestamp
    /// outside the collector's window). A raw-log rotation's fsyncs run after the source's lock is released.
    /// </summary>
    public void Accept(ReadOnlySpan<byte> frame, FramingKind framing, RackPacket packet, long receiveTimeUs, bool partitionByReceiveTime)
    {
        bool rotated = false;
        lock (_stripes[(int)((uint)HashCode.Combine(packet.SourceType, packet.SourceId) % (uint)_stripes.Length)])
        {
            if (_rawLog is not null)
            {
                rotated = _rawLog.AppendDeferringSync(frame, framing, receiveTimeUs, partitionByReceiveTime);
            }

            _images?.Apply(packet);
            _activity?.Record(packet, receiveTimeUs);
            _parquet?.Write(packet, partitionByReceiveTime ? receiveTimeUs : packet.TimestampUs);
        }

        if (rotated)
        {
            _rawLog!.SyncRotated();
        }
    }

    /// <summary>
    /// Runs <paramref name="read"/> while no frame is being taken in (every stripe held, briefly): a consistent cut of
    /// the raw log's position and the images it produced, as <c>image.bin</c> needs.
    /// </summary>
    public T WhileQuiet<T>(Func<T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        int entered = 0;
        try
        {
            for (; entered < _stripes.Length; entered++)
            {
                _stripes[entered].Enter();
            }

            return read();
        }
        finally
        {
            for (int i = entered - 1; i >= 0; i--)
            {
                _stripes[i].Exit();
            }
        }
    }

    /// <summary>
    /// Completes when the Parquet partition <paramref name="packet"/> goes to has room for it (see
    /// <see cref="ParquetOutput.WaitForRoomAsync"/>): a connection awaits it before <see cref="Accept"/> and so stops
    /// reading its socket while the partition's writer catches up, instead of spinning under the source's lock.
    /// Throws <see cref="IOException"/> when the partition's writer died.
    /// </summary>
    public ValueTask WaitForRoomAsync(RackPacket packet, long receiveTimeUs, bool partitionByReceiveTime, CancellationToken cancellationToken) =>
        _parquet is null ? ValueTask.CompletedTask : _parquet.WaitForRoomAsync(packet, partitionByReceiveTime ? receiveTimeUs : packet.TimestampUs, cancellationToken);
}
