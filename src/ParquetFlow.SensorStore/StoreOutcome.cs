namespace ParquetFlow.SensorStore;

/// <summary>
/// Whether a store kept everything it was given, in words: the one check every command and benchmark that writes to a
/// store runs before it reports success (the CLI exits non-zero when it did not store what it was asked to store).
/// </summary>
public static class StoreOutcome
{
    /// <summary>
    /// What the store failed to keep, as one line for stderr, or null when it holds everything it was given: an
    /// unhealthy store, disk write or read failures, records refused or dropped, a shutdown flush that ran out of its
    /// budget (<paramref name="flushed"/> false), sensors left unrecovered; with the last disk error.
    /// </summary>
    public static string? NotStored(SensorStoreSystem store, bool flushed, long refused = 0)
    {
        StoreStats s = store.GetStats();
        var reasons = new List<string>();
        if (!flushed)
        {
            reasons.Add("the shutdown flush ran out of its budget with records only in RAM");
        }
        if (!s.Healthy)
        {
            reasons.Add("the store is unhealthy");
        }
        if (s.DiskWriteFailures > 0)
        {
            reasons.Add($"{s.DiskWriteFailures} disk write failures");
        }
        if (s.DiskReadFailures > 0)
        {
            reasons.Add($"{s.DiskReadFailures} disk read failures");
        }
        if (refused > 0)
        {
            reasons.Add($"{refused} records refused");
        }
        ulong recycled = 0;
        ulong quota = 0;
        ulong corrupt = 0;
        foreach (SensorLog sensor in store.Sensors)
        {
            SensorStats st = sensor.GetStats();
            recycled += st.DroppedRecycled;
            quota += st.DroppedQuota;
            corrupt += st.DroppedCorrupt;
        }
        if (recycled + quota + corrupt > 0)
        {
            reasons.Add($"{recycled + quota + corrupt} records dropped ({recycled} recycled for RAM, {quota} for the disk quota, {corrupt} in corrupt sectors)");
        }
        if (s.UnrecoveredSensors > 0)
        {
            reasons.Add($"{s.UnrecoveredSensors} sensors on disk not recovered");
        }
        if (reasons.Count == 0)
        {
            return null;
        }
        return string.Join(", ", reasons) + (s.LastDiskError is { } last ? $"; last disk error: {last}" : "");
    }
}
