namespace ParquetFlow.Collector.RawLog;

/// <summary>One replayed frame: its bytes as received, their framing, and when the collector received them.</summary>
public readonly record struct RawLogRecord(ReadOnlyMemory<byte> Frame, FramingKind Framing, long ReceiveTimeUs, string File, long Offset);
