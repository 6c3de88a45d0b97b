namespace ParquetFlow.Collector.RawLog;

/// <summary>Which wire framing a raw-log record's bytes are in.</summary>
public enum FramingKind : byte
{
    /// <summary><see cref="Collector.Framing.SimpleFraming"/>.</summary>
    Simple = 0,

    /// <summary><see cref="Collector.Framing.PacketFraming"/>.</summary>
    Packet = 1,
}
