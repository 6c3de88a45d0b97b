namespace ParquetFlow.Ipc;

/// <summary>How a <see cref="SharedRingConsumer"/> waits for the next row.</summary>
public enum WaitStrategy
{
    /// <summary>Busy-poll the row's stamp: lowest latency, burns a core.</summary>
    Spin,

    /// <summary>Poll, yielding the CPU between polls.</summary>
    Yield,

    /// <summary>Sleep on the segment's futex word; the producer wakes sleepers after publishing (the producer pays one load per row when nobody sleeps).</summary>
    Futex,
}
