using System.Diagnostics;
using System.Globalization;
using HdrHistogram;

namespace ParquetFlow.Cli;

/// <summary>
/// The latency distribution of a benchmark, kept in an HdrHistogram (3 significant digits from 1 ns to an hour, fixed
/// memory however many values) and reported the same way by every bench: p50, p90, p99, p99.9, p99.99 and max.
/// Record from any one thread at a time; <see cref="Add"/> merges another report (one per thread).
/// </summary>
public sealed class LatencyReport
{
    private static readonly long s_hourNs = (long)TimeSpan.FromHours(1).TotalNanoseconds;
    private readonly LongHistogram _histogram = new(s_hourNs, 3);

    /// <summary>Values recorded.</summary>
    public long Count => _histogram.TotalCount;

    /// <summary>Records one latency in nanoseconds (clamped to 1 ns .. 1 h).</summary>
    public void RecordNanoseconds(long nanoseconds) => _histogram.RecordValue(Math.Clamp(nanoseconds, 1, s_hourNs));

    /// <summary>Records one latency measured in <see cref="Stopwatch"/> ticks.</summary>
    public void RecordTicks(long ticks) => RecordNanoseconds((long)(ticks * (1e9 / Stopwatch.Frequency)));

    /// <summary>Merges <paramref name="other"/> into this report.</summary>
    public void Add(LatencyReport other) => _histogram.Add(other._histogram);

    /// <summary>The latency at <paramref name="percentile"/> (0..100) in nanoseconds; NaN when nothing was recorded.</summary>
    public double Nanoseconds(double percentile) => Count == 0 ? double.NaN : _histogram.GetValueAtPercentile(percentile);

    /// <summary>The largest latency recorded, in nanoseconds; NaN when nothing was recorded.</summary>
    public double MaxNanoseconds => Count == 0 ? double.NaN : _histogram.GetMaxValue();

    /// <summary>"p50 20 ns, p90 …, p99 …, p99.9 …, p99.99 …, max 1.2 µs (N values)".</summary>
    public override string ToString() =>
        Count == 0
            ? "no values"
            : string.Create(CultureInfo.InvariantCulture, $"p50 {Format(Nanoseconds(50))}, p90 {Format(Nanoseconds(90))}, p99 {Format(Nanoseconds(99))}, p99.9 {Format(Nanoseconds(99.9))}, p99.99 {Format(Nanoseconds(99.99))}, max {Format(MaxNanoseconds)} ({Count:N0} values)");

    /// <summary>Nanoseconds in the unit that keeps 3 digits: "740 ns", "12.5 µs", "3.20 ms".</summary>
    public static string Format(double nanoseconds) => nanoseconds switch
    {
        double.NaN => "-",
        < 1_000 => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds:0} ns"),
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1e3:0.0#} µs"),
        < 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1e6:0.0#} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1e9:0.00} s"),
    };
}
