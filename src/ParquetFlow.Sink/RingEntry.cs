namespace ParquetFlow.Sink;

/// <summary>
/// What a producer copies into the slots it claimed in a <see cref="RecordRing"/>: a record (<see cref="RecordEntry"/>)
/// or a piece of a column batch (<see cref="ColumnBatchEntry"/>). The rings' claim loops are generic over it, so the
/// record path is specialized by the JIT exactly as before and both kinds share one protocol.
/// </summary>
internal interface IRingEntry
{
    /// <summary>Bytes after the 4-byte header (1 .. <see cref="RecordRing.MaxRecordLength"/>).</summary>
    int Length { get; }

    /// <summary>The header that publishes the entry: <see cref="Length"/>, with <see cref="RecordRing.ColumnBatchFlag"/> for a batch.</summary>
    int Header { get; }

    /// <summary>Rows the entry carries: what <see cref="RecordRing.Logged"/> or <see cref="RecordRing.Dropped"/> counts for it.</summary>
    int Rows { get; }

    /// <summary>Writes the entry's <see cref="Length"/> bytes into its claimed slots.</summary>
    void CopyTo(Span<byte> destination);
}
