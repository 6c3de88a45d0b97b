using System.Runtime.InteropServices;

namespace ParquetFlow.Sink;

/// <summary>A 64-bit cursor alone on its cache line (and the adjacent-line prefetcher's pair), so that the producer's and the consumer's cursors never share one.</summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal struct PaddedCursor
{
    [FieldOffset(64)]
    public long Value;
}
