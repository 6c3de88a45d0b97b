using System.Runtime.InteropServices;

namespace ParquetFlow.Sink;

/// <summary>
/// The shared state of a <see cref="RecordRing"/> (docs/formats.md, "Log-sink ring control block"): cursors and
/// counters at fixed offsets in memory that never moves, so C producers (<c>pqflow_log_fast</c>) use them through
/// plain pointers. Each field starts its own 128-byte-aligned pair of cache lines, so no two share a line or the
/// adjacent-line prefetcher's pair.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
internal struct RingControl
{
    /// <summary>The block's size in bytes.</summary>
    public const int Size = 6 * Stride;

    /// <summary>The block's alignment, and the distance between two fields.</summary>
    public const int Stride = 128;

    /// <summary>The slot position up to which producers have claimed room (written by producers).</summary>
    [FieldOffset(0 * Stride)]
    public long Tail;

    /// <summary>The slot position up to which the consumer has handed slots back (written by the consumer).</summary>
    [FieldOffset(1 * Stride)]
    public long Head;

    /// <summary>Records accepted.</summary>
    [FieldOffset(2 * Stride)]
    public long Logged;

    /// <summary>Records refused because the ring was full.</summary>
    [FieldOffset(3 * Stride)]
    public long Dropped;

    /// <summary>Records refused as invalid (by the ring's length check or its owner's layout check).</summary>
    [FieldOffset(4 * Stride)]
    public long Invalid;

    /// <summary>
    /// Non-zero once the consumer is gone (<see cref="RecordRing.Close"/>); written once, so its line stays shared in
    /// every producer's cache. A single producer reads it on every write, since its cached head would let it go on
    /// writing into a ring nobody reads; multi-producer writers read <see cref="Head"/> every time anyway and find it
    /// set to <see cref="RecordRing.ClosedHead"/>.
    /// </summary>
    [FieldOffset(5 * Stride)]
    public long Closed;
}
