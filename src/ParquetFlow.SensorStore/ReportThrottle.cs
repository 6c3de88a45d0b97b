namespace ParquetFlow.SensorStore;

/// <summary>
/// Spaces out the reports of a counted event that can repeat on every pass (a failing read, a quota eviction): the
/// first one is due at once, later ones at most once per interval, each covering the events since the last. Thread-safe.
/// </summary>
internal sealed class ReportThrottle(TimeProvider clock, TimeSpan interval)
{
    private readonly Lock _lock = new();
    private long _reported;
    private long _reportedAt; // the clock's timestamp of the last report, 0 before the first

    /// <summary>
    /// With <paramref name="total"/> events so far: how many the report due now covers, or 0 when none is due (no new
    /// events, or the last report is younger than the interval and this is not the <paramref name="final"/> one).
    /// </summary>
    public long Due(long total, bool final = false)
    {
        lock (_lock)
        {
            if (total == _reported || (!final && _reportedAt != 0 && clock.GetElapsedTime(_reportedAt) < interval))
            {
                return 0;
            }

            long since = total - _reported;
            _reported = total;
            _reportedAt = Math.Max(1, clock.GetTimestamp());
            return since;
        }
    }
}
