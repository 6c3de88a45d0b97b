namespace ParquetFlow.Ipc;

/// <summary>When a <see cref="MappedRing"/> forces its writes to the device with msync.</summary>
public readonly record struct FlushPolicy
{
    private FlushPolicy(int interval) => Interval = interval;

    /// <summary>Writes between msyncs: 1 for every write, 0 for on demand only.</summary>
    public int Interval { get; }

    /// <summary>Every write is msynced (slot, then header) before <c>Write</c> returns: durable on return.</summary>
    public static FlushPolicy EveryWrite => new(1);

    /// <summary>Only <see cref="MappedRing.Flush"/> (and dispose) msync.</summary>
    public static FlushPolicy OnDemand => new(0);

    /// <summary>Every <paramref name="writes"/>-th write msyncs everything written so far.</summary>
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
