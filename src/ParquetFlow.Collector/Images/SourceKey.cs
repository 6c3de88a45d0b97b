using ParquetFlow.Collector.Framing;

namespace ParquetFlow.Collector.Images;

/// <summary>Identifies a source: its kind and its number. Each source has its own register image.</summary>
public readonly record struct SourceKey(SourceType Type, int Id) : IComparable<SourceKey>
{
    /// <inheritdoc/>
    public int CompareTo(SourceKey other) => Type != other.Type ? Type.CompareTo(other.Type) : Id.CompareTo(other.Id);

    /// <inheritdoc/>
    public override string ToString() => $"{Type.ToString().ToUpperInvariant()}:{Id}";
}
