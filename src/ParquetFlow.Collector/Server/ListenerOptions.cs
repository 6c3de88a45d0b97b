using System.Globalization;
using System.Net;
using ParquetFlow.Collector.RawLog;

namespace ParquetFlow.Collector.Server;

/// <summary>One TCP listener: where it listens and which framing its clients speak.</summary>
public sealed record ListenerOptions(int Port, FramingKind Framing)
{
    /// <summary>Address to bind; loopback by default.</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>
    /// Parses <c>[ADDR:]PORT[:FRAMING]</c>: <c>9000</c>, <c>9001:simple</c>, <c>0.0.0.0:9000</c>, <c>[::]:9000:packet</c>
    /// (loopback and <paramref name="framing"/> when left out); false with a reason when it is none of these.
    /// </summary>
    public static bool TryParse(string text, FramingKind framing, out ListenerOptions? listener, out string? error)
    {
        listener = null;
        string rest = text.Trim();
        int last = rest.LastIndexOf(':');
        if (last >= 0 && !rest.AsSpan(last + 1).Contains(']') && !int.TryParse(rest[(last + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            if (!Enum.TryParse(rest[(last + 1)..], ignoreCase: true, out FramingKind named) || !Enum.IsDefined(named))
            {
                error = $"'{text}': unknown framing '{rest[(last + 1)..]}' (simple or packet)";
                return false;
            }

            framing = named;
            rest = rest[..last];
        }

        if (int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port <= IPEndPoint.MaxPort)
        {
            listener = new ListenerOptions(port, framing);
        }
        else if (IPEndPoint.TryParse(rest, out IPEndPoint? endPoint) && rest.Contains(':', StringComparison.Ordinal) && !rest.EndsWith(']'))
        {
            listener = new ListenerOptions(endPoint.Port, framing) { Address = endPoint.Address };
        }
        else
        {
            error = $"'{text}': expected [ADDR:]PORT[:simple|packet], e.g. 9001:simple, 0.0.0.0:9000, [::]:9000:packet";
            return false;
        }

        error = null;
        return true;
    }
}
