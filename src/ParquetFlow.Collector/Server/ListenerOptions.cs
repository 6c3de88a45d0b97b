using System.Net;
using ParquetFlow.Collector.RawLog;

namespace ParquetFlow.Collector.Server;

/// <summary>One TCP listener: where it listens and which framing its clients speak.</summary>
public sealed record ListenerOptions(int Port, FramingKind Framing)
{
    /// <summary>Address to bind; loopback by default.</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;
}
