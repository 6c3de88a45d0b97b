namespace ParquetFlow.Collector.Server;

/// <summary>Counters of a running collector; thread-safe, read at any time.</summary>
public sealed class CollectorMetrics
{
    internal long ConnectionsOpen;
    internal long ConnectionsTotal;
    internal long FramesAccepted;
    internal long BytesAccepted;
    internal long RegistersAccepted;
    internal long BadFrames;
    internal long Queries;
    internal long RepliesWriting; // query replies whose write has not completed (a client not reading them)
    internal long RefusedConnections;
    internal long AcceptFailures;
    internal long SourceRefusals;
    internal long TimestampRefusals;
    internal long ReceiveTimePartitioned;
    internal long TimedOut;
    internal long Aborted;
    internal long RoomWaits;
    internal long DurableFrames;
    internal long DurableRows;
    internal long FailedFlushes;
    internal long ImageSavesDone;
    internal long ImageSavesSkipped;
    private volatile string? _lastError;

    /// <summary>Connections open now.</summary>
    public long Connections => Interlocked.Read(ref ConnectionsOpen);

    /// <summary>Connections accepted since start.</summary>
    public long ConnectionsSinceStart => Interlocked.Read(ref ConnectionsTotal);

    /// <summary>Frames accepted (logged and applied).</summary>
    public long Frames => Interlocked.Read(ref FramesAccepted);

    /// <summary>Bytes of accepted frames.</summary>
    public long Bytes => Interlocked.Read(ref BytesAccepted);

    /// <summary>Register values carried by accepted DIFF and FULL frames.</summary>
    public long Registers => Interlocked.Read(ref RegistersAccepted);

    /// <summary>Connections closed for a malformed, truncated or stalled frame.</summary>
    public long Rejected => Interlocked.Read(ref BadFrames);

    /// <summary>Queries answered.</summary>
    public long QueriesAnswered => Interlocked.Read(ref Queries);

    /// <summary>Connections closed at once because <see cref="CollectorOptions.MaxConnections"/> were open.</summary>
    public long ConnectionsRefused => Interlocked.Read(ref RefusedConnections);

    /// <summary>Accepts that failed (too many open files, no buffers); the listener backs off and goes on.</summary>
    public long AcceptErrors => Interlocked.Read(ref AcceptFailures);

    /// <summary>Frames dropped because their source is past <see cref="CollectorOptions.MaxSources"/> or not allowed.</summary>
    public long SourcesRefused => Interlocked.Read(ref SourceRefusals);

    /// <summary>Frames dropped because their timestamp is outside the window (<see cref="OutOfWindowPolicy.Refuse"/>).</summary>
    public long TimestampsRefused => Interlocked.Read(ref TimestampRefusals);

    /// <summary>Frames outside the timestamp window kept under their receive date (<see cref="OutOfWindowPolicy.PartitionByReceiveTime"/>).</summary>
    public long TimestampsOutOfWindow => Interlocked.Read(ref ReceiveTimePartitioned);

    /// <summary>Connections closed for idling or for a query reply not taken in time (a frame past its deadline counts in <see cref="Rejected"/>).</summary>
    public long TimeoutsClosed => Interlocked.Read(ref TimedOut);

    /// <summary>Connections closed by shutdown after its grace period.</summary>
    public long AbortedAtShutdown => Interlocked.Read(ref Aborted);

    /// <summary>
    /// Frames whose connection waited for room in their Parquet partition's ring before they were taken in
    /// (backpressure: the connection stopped reading its socket meanwhile).
    /// </summary>
    public long BackpressureWaits => Interlocked.Read(ref RoomWaits);

    /// <summary>
    /// The promise of the raw log: of the frames accepted since start (<see cref="Frames"/>), how many a returned
    /// raw-log fsync made durable. Never goes down; after a power cut every one of them is in the raw log.
    /// </summary>
    public long FramesDurable => Interlocked.Read(ref DurableFrames);

    /// <summary>The promise of the Parquet output: of the rows handed to it since start, how many a returned flush made durable.</summary>
    public long RowsDurable => Interlocked.Read(ref DurableRows);

    /// <summary>Flush steps (raw-log fsync, <c>image.bin</c>, Parquet flush) that failed since start.</summary>
    public long FlushFailures => Interlocked.Read(ref FailedFlushes);

    /// <summary><c>image.bin</c> rewrites (each an fsynced atomic replace) since start.</summary>
    public long ImageSaves => Interlocked.Read(ref ImageSavesDone);

    /// <summary>Flushes that left <c>image.bin</c> alone because no image changed since the last save.</summary>
    public long ImageSavesUnneeded => Interlocked.Read(ref ImageSavesSkipped);

    /// <summary>The last flush step that failed and why (null when none has).</summary>
    public string? LastError
    {
        get => _lastError;
        internal set => _lastError = value;
    }

    /// <summary>Raises a durable counter to <paramref name="value"/> (flushes may finish out of order).</summary>
    internal static void Durable(ref long counter, long value)
    {
        long seen = Interlocked.Read(ref counter);
        while (value > seen)
        {
            long was = Interlocked.CompareExchange(ref counter, value, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }
}
