namespace ParquetFlow.Sink;

/// <summary>What a producer does when the ring has no room for its record.</summary>
public enum RingFullMode
{
    /// <summary>Return <see cref="LogResult.Full"/> at once and count the drop (the default: the hot path never waits).</summary>
    Drop,

    /// <summary>
    /// Spin (then yield) until the writer thread frees room: as long as the writer is slower, without bound; once the
    /// writer thread has died the wait ends with <see cref="LogResult.Io"/>.
    /// </summary>
    Wait,
}
