namespace ParquetFlow.Collector.RawLog;

/// <summary>
/// One replayed frame: its bytes as received, their framing, when the collector received them, and whether the
/// collector filed its rows under the receive date (its timestamp was outside the window).
/// </summary>
public readonly record struct RawLogRecord(ReadOnlyMemory<byte> Frame, FramingKind Framing, long ReceiveTimeUs, string File, long Offset, bool PartitionByReceiveTime = false);
