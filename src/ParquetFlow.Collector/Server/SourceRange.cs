using System.Globalization;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Images;

namespace ParquetFlow.Collector.Server;

/// <summary>
/// Source ids a collector accepts: <see cref="First"/>..<see cref="Last"/> (inclusive) of one source type, or of any
/// type when <see cref="Type"/> is null. Written <c>ID</c>, <c>FIRST-LAST</c>, optionally prefixed <c>TYPE:</c>
/// (<c>rack:1-64</c>, <c>sbmu:7</c>).
/// </summary>
public readonly record struct SourceRange(SourceType? Type, int First, int Last)
{
    /// <summary>Whether <paramref name="source"/> falls in this range.</summary>
    public bool Contains(SourceKey source) => (Type is null || Type == source.Type) && source.Id >= First && source.Id <= Last;

    /// <summary>Parses <c>[TYPE:]ID</c> or <c>[TYPE:]FIRST-LAST</c>; false with a reason when it is not one.</summary>
    public static bool TryParse(string text, out SourceRange range, out string? error)
    {
        range = default;
        SourceType? type = null;
        string ids = text.Trim();
        int colon = ids.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            if (!Enum.TryParse(ids[..colon], ignoreCase: true, out SourceType parsed) || !Enum.IsDefined(parsed) || int.TryParse(ids[..colon], CultureInfo.InvariantCulture, out _))
            {
                error = $"'{text}': unknown source type '{ids[..colon]}' (sbmu, rack, rtos, unknown)";
                return false;
            }

            type = parsed;
            ids = ids[(colon + 1)..];
        }

        int dash = ids.IndexOf('-', 1 < ids.Length ? 1 : 0);
        string first = dash > 0 ? ids[..dash] : ids;
        string last = dash > 0 ? ids[(dash + 1)..] : ids;
        if (!int.TryParse(first, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int from)
            || !int.TryParse(last, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int to) || to < from)
        {
            error = $"'{text}': expected [TYPE:]ID or [TYPE:]FIRST-LAST with FIRST <= LAST";
            return false;
        }

        range = new SourceRange(type, from, to);
        error = null;
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        (Type is { } t ? t.ToString().ToLowerInvariant() + ":" : "") + (First == Last ? $"{First}" : $"{First}-{Last}");
}
