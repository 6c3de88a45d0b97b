using System.Net;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Server;

namespace ParquetFlow.Collector.Tests;

public sealed class ListenerOptionsTests
{
    [Theory]
    [InlineData("9000", "127.0.0.1", 9000, FramingKind.Packet)]
    [InlineData("9001:simple", "127.0.0.1", 9001, FramingKind.Simple)]
    [InlineData("0.0.0.0:9000", "0.0.0.0", 9000, FramingKind.Packet)]
    [InlineData("192.168.1.10:9002:SIMPLE", "192.168.1.10", 9002, FramingKind.Simple)]
    [InlineData("[::]:9000:packet", "::", 9000, FramingKind.Packet)]
    [InlineData("[::1]:0", "::1", 0, FramingKind.Packet)]
    public void Listen_specs_name_address_port_and_framing(string spec, string address, int port, FramingKind framing)
    {
        Assert.True(ListenerOptions.TryParse(spec, FramingKind.Packet, out ListenerOptions? listener, out string? error), error);
        Assert.Equal(IPAddress.Parse(address), listener!.Address);
        Assert.Equal(port, listener.Port);
        Assert.Equal(framing, listener.Framing);
    }

    [Theory]
    [InlineData("", "expected [ADDR:]PORT")]
    [InlineData("9000:modbus", "unknown framing 'modbus'")]
    [InlineData("70000", "expected [ADDR:]PORT")]
    [InlineData("localhost:9000", "expected [ADDR:]PORT")]
    [InlineData("[::1]", "expected [ADDR:]PORT")]
    [InlineData("10.0.0.1", "expected [ADDR:]PORT")]
    public void Bad_listen_specs_are_refused_with_a_reason(string spec, string reason)
    {
        Assert.False(ListenerOptions.TryParse(spec, FramingKind.Packet, out _, out string? error));
        Assert.Contains(reason, error);
    }
}
