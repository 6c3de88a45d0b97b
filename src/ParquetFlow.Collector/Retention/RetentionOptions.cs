namespace ParquetFlow.Collector.Retention;

/// <summary>
/// What a collector deletes to run for months on a fixed disk: finished raw-log files and finished Parquet files,
/// oldest first, never <c>image.bin</c>, the raw-log file being written or a Parquet file in progress. Both rules are
/// off by default (a collector deletes nothing it was not told to); the Debian package's configuration turns them on.
/// </summary>
public sealed record RetentionOptions
{
    /// <summary>Files whose last write is older than this are deleted; null keeps files whatever their age.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>
    /// While fewer bytes than this are free on the data directory's file system, the oldest files are deleted; 0 is off.
    /// With <see cref="MinFreeFraction"/>, the larger of the two applies.
    /// </summary>
    public long MinFreeBytes { get; init; }

    /// <summary>The same watermark as a fraction (0 to 1) of the file system's size; 0 is off.</summary>
    public double MinFreeFraction { get; init; }

    /// <summary>How often the collector applies the rules (at its periodic flush, when this much time has passed).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether any rule is on.</summary>
    public bool Enabled => MaxAge is not null || MinFreeBytes > 0 || MinFreeFraction > 0;
}
