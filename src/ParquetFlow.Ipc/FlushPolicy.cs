namespace ParquetFlow.Ipc;

/// <summary>When a <see cref="MappedRing"/> forces its writes to the device (fsync of the ring file).</summary>
public readonly record struct FlushPolicy
{
    private FlushPolicy(int interval) => Interval = interval;

    /// <summary>Writes between fsyncs: 1 for every write, 0 for on demand only.</summary>
    public int Interval { get; }

    /// <summary>Every write is fsynced (slot, then header) before <c>Write</c> returns: durable on return.</summary>
    public static FlushPolicy EveryWrite => new(1);

    /// <summary>Only <see cref="MappedRing.Flush"/> (and dispose) fsync.</summary>
    public static FlushPolicy OnDemand => new(0);

    /// <summary>Every <paramref name="writes"/>-th write fsyncs everything written so far.</summary>
    public static FlushPolicy EveryN(int writes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(writes, 1);
        return new FlushPolicy(writes);
    }

    /// <inheritdoc/>
    public override string ToString() => Interval switch
    {
        0 => "on-demand",
        1 => "every-write",
        _ => $"every-{Interval}",
    };
}
