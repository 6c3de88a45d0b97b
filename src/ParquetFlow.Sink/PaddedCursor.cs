using System.Runtime.InteropServices;

namespace ParquetFlow.Sink;

/// <summary>A 64-bit cursor alone on its cache line (and the adjacent-line prefetcher's pair), so that a cursor one thread writes often never shares a line with fields other threads read.</summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal struct PaddedCursor
{
    [FieldOffset(64)]
    public long Value;
}
