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
}
