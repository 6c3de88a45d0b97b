namespace ParquetFlow.Collector.RawLog;

/// <summary>
/// A point in the raw log: every record of the files numbered below <see cref="File"/>, and every record of file
/// <see cref="File"/> that starts before byte <see cref="Offset"/>, comes before it. <c>image.bin</c> stores the
/// position its images cover, so a restart replays exactly the records after it.
/// </summary>
/// <param name="File">The number of a raw log file (<c>log-NNNNNN.bin</c>).</param>
/// <param name="Offset">A byte offset in that file.</param>
public readonly record struct RawLogPosition(int File, long Offset) : IComparable<RawLogPosition>
{
    /// <summary>Before every record.</summary>
    public static RawLogPosition Start => new(0, 0);

    /// <summary>True when the record of file <paramref name="file"/> at <paramref name="offset"/> comes before this position (is covered by it).</summary>
    public bool Covers(int file, long offset) => file < File || (file == File && offset < Offset);

    /// <inheritdoc/>
    public int CompareTo(RawLogPosition other) => File != other.File ? File.CompareTo(other.File) : Offset.CompareTo(other.Offset);

    /// <inheritdoc/>
    public override string ToString() => $"log-{File:D6}.bin:{Offset}";
}
