namespace ParquetFlow.Durability.Faults;

/// <summary>How much of what was not made durable survives a simulated power cut (<see cref="FaultyStorage.ApplyPowerLoss"/>).</summary>
public sealed class PowerLossOptions
{
    /// <summary>The probability that each block written (or length changed) since the file's last fsync reaches the disk anyway. 0: a strict revert to what was synced.</summary>
    public double KeepUnsyncedProbability { get; init; }

    /// <summary>The granularity a write tears at: 512 (a sector) or 4096 (a page).</summary>
    public int TearBlockSize { get; init; } = 4096;

    /// <summary>The random source for what is kept; seed it to replay a cut.</summary>
    public Random Random { get; init; } = new(0);
}
