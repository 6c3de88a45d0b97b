namespace ParquetFlow.Sink;

/// <summary>A record as a ring entry: its bytes as they are, one row.</summary>
internal readonly ref struct RecordEntry(ReadOnlySpan<byte> record) : IRingEntry
{
    private readonly ReadOnlySpan<byte> _record = record;

    public int Length => _record.Length;

    public int Header => _record.Length;

    public int Rows => 1;

    public void CopyTo(Span<byte> destination) => _record.CopyTo(destination);
}
