namespace ParquetFlow.SensorStore;

/// <summary>One record read back from a sensor: its position in the sensor's stream and its content.</summary>
/// <param name="Index">The record index, counted from the sensor's first record ever; never reused.</param>
/// <param name="Value">The 32-bit value.</param>
/// <param name="TimestampMs">The event timestamp; 0 for time-series records.</param>
public readonly record struct SensorRecord(ulong Index, uint Value, ulong TimestampMs);
