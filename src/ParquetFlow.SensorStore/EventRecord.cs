using System.Runtime.InteropServices;

namespace ParquetFlow.SensorStore;

/// <summary>
/// The 12-byte event record, packed with 4-byte alignment exactly as the C struct
/// <c>struct EventRecord { uint32_t value; uint64_t ts_ms; }</c> with <c>#pragma pack(4)</c>.
/// The timestamp is stored raw: UTC or monotonic milliseconds, no flag.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4, Size = 12)]
public readonly record struct EventRecord(uint Value, ulong TimestampMs)
{
    /// <summary>Bytes per event record.</summary>
    public const int Size = 12;
}
