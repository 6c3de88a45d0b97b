namespace ParquetFlow.Sink;

/// <summary>What a producer does when the ring has no room for its record.</summary>
public enum RingFullMode
{
    /// <summary>Return <see cref="LogResult.Full"/> at once and count the drop (the default: the hot path never waits).</summary>
    Drop,

    /// <summary>Spin (then yield) until the writer thread frees room. The producer can then wait without bound.</summary>
    Wait,
}
