using System.Globalization;
using System.Text.Json;
using ParquetFlow.SensorStore;

namespace ParquetFlow.Cli.Store;

/// <summary>
/// What <c>pqflow store stats</c> and <c>store simulate</c> print about a store: the store's figures, then its sensors
/// as a table (every sensor with <c>all</c>, else only when there are at most <see cref="TableLimit"/>), then totals;
/// or, for scripts, one JSON document with every sensor (<c>--json</c>, fields in docs/formats.md, "CLI JSON").
/// </summary>
internal static class StoreReport
{
    /// <summary>Sensors listed without <c>--all</c>: a store of 2,048 sensors would bury its own summary.</summary>
    public const int TableLimit = 20;

    public static void Write(TextWriter output, SensorStoreSystem store, SensorLog? only, bool all)
    {
        StoreStats s = store.GetStats();
        output.WriteLine($"profile {s.Profile}: {s.Sensors} sensors, RAM sectors {s.RamSectorsUsed}/{s.RamSectorsCapacity} of {s.RamSectorSize} B, shared pool {s.SharedPoolFill:P0}, spilling {s.Spilling}");
        if (s.Profile == StoreProfile.Stm32)
        {
            output.WriteLine($"memory accounted {s.AccountedBytes} B of a {s.MemoryBudgetBytes} B budget");
        }
        else
        {
            output.WriteLine($"disk {s.DiskBytesUsed / 1024} KiB of {s.DiskQuotaBytes / 1024} KiB quota, healthy {s.Healthy}, write failures {s.DiskWriteFailures}; " +
                $"recovered {s.RecoveredSensors} sensors ({s.RecoveredFromMeta} from meta), {s.CorruptSectorsAtRecovery} corrupt sectors skipped");
        }

        var table = new TextTable("sensor", "type", "records", "pending", "unsent", "ram", "disk", "head", "tail", "written", "erased", "dropped");
        long total = 0;
        long unsent = 0;
        int listed = 0;
        foreach (SensorLog sensor in store.Sensors)
        {
            SensorStats st = sensor.GetStats();
            total += st.TotalRecords;
            unsent += st.UnsentRecords;
            if (only is null ? all || store.Sensors.Count <= TableLimit : ReferenceEquals(sensor, only))
            {
                listed++;
                table.Add(Name(st), st.Type.ToString(), N(st.TotalRecords), N(st.PendingRecords), N(st.UnsentRecords), N(st.RamSectors), N(st.DiskSectors),
                    N(st.HeadIndex), N(st.TailIndex), N(st.TotalWritten), N(st.TotalErased), Dropped(st));
            }
        }

        if (listed > 0)
        {
            table.WriteTo(output);
        }
        else if (store.Sensors.Count > 0)
        {
            output.WriteLine($"  ({store.Sensors.Count} sensors: --all lists them, --id one)");
        }

        output.WriteLine($"records retained {total}, unsent {unsent}");
    }

    public static void WriteJson(Utf8JsonWriter w, SensorStoreSystem store, SensorLog? only, string? notStored)
    {
        StoreStats s = store.GetStats();
        w.WriteStartObject();
        w.WriteString("profile", s.Profile.ToString().ToLowerInvariant());
        w.WriteNumber("sensors_count", s.Sensors);
        w.WriteStartObject("ram");
        w.WriteNumber("sector_size", s.RamSectorSize);
        w.WriteNumber("sectors_used", s.RamSectorsUsed);
        w.WriteNumber("sectors_capacity", s.RamSectorsCapacity);
        w.WriteNumber("shared_pool_fill", s.SharedPoolFill);
        w.WriteBoolean("spilling", s.Spilling);
        w.WriteNumber("accounted_bytes", s.AccountedBytes);
        w.WriteNumber("budget_bytes", s.MemoryBudgetBytes);
        w.WriteEndObject();
        w.WriteStartObject("disk");
        w.WriteNumber("used_bytes", s.DiskBytesUsed);
        w.WriteNumber("quota_bytes", s.DiskQuotaBytes);
        w.WriteBoolean("healthy", s.Healthy);
        w.WriteNumber("write_failures", s.DiskWriteFailures);
        w.WriteNumber("read_failures", s.DiskReadFailures);
        w.WriteNumber("data_files_rewritten", s.DataFilesRewritten);
        w.WriteString("last_error", s.LastDiskError); // null when there was none
        w.WriteEndObject();
        w.WriteStartObject("recovery");
        w.WriteNumber("sensors", s.RecoveredSensors);
        w.WriteNumber("from_meta", s.RecoveredFromMeta);
        w.WriteNumber("unrecovered", s.UnrecoveredSensors);
        w.WriteNumber("corrupt_sectors", s.CorruptSectorsAtRecovery);
        w.WriteStartArray("report");
        foreach (string line in s.RecoveryReport)
        {
            w.WriteStringValue(line);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        long total = 0;
        long unsent = 0;
        w.WriteStartArray("sensors");
        foreach (SensorLog sensor in store.Sensors)
        {
            SensorStats st = sensor.GetStats();
            total += st.TotalRecords;
            unsent += st.UnsentRecords;
            if (only is not null && !ReferenceEquals(sensor, only))
            {
                continue;
            }

            w.WriteStartObject();
            w.WriteString("source", SensorNames.Of(st.Source));
            w.WriteNumber("id", st.SensorId);
            w.WriteString("type", st.Type == SensorType.Event ? "event" : "time_series");
            w.WriteNumber("records", st.TotalRecords);
            w.WriteNumber("pending", st.PendingRecords);
            w.WriteNumber("unsent", st.UnsentRecords);
            w.WriteNumber("head_index", st.HeadIndex);
            w.WriteNumber("pending_index", st.PendingIndex);
            w.WriteNumber("tail_index", st.TailIndex);
            w.WriteNumber("ram_sectors", st.RamSectors);
            w.WriteNumber("disk_sectors", st.DiskSectors);
            w.WriteNumber("written", st.TotalWritten);
            w.WriteNumber("erased", st.TotalErased);
            w.WriteStartObject("dropped");
            w.WriteNumber("new", st.DroppedNew);
            w.WriteNumber("recycled", st.DroppedRecycled);
            w.WriteNumber("quota", st.DroppedQuota);
            w.WriteNumber("corrupt", st.DroppedCorrupt);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteNumber("records_retained", total);
        w.WriteNumber("records_unsent", unsent);
        w.WriteString("not_stored", notStored);
        w.WriteEndObject();
    }

    private static string Name(SensorStats st) => $"{SensorNames.Of(st.Source)}/{st.SensorId}";

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string N(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>"0", or the total with what it is made of: "12 (recycled 10, corrupt 2)".</summary>
    private static string Dropped(SensorStats st)
    {
        ulong sum = st.DroppedNew + st.DroppedRecycled + st.DroppedQuota + st.DroppedCorrupt;
        if (sum == 0)
        {
            return "0";
        }

        var parts = new List<string>();
        foreach ((string name, ulong count) in new[] { ("new", st.DroppedNew), ("recycled", st.DroppedRecycled), ("quota", st.DroppedQuota), ("corrupt", st.DroppedCorrupt) })
        {
            if (count > 0)
            {
                parts.Add($"{name} {count}");
            }
        }

        return $"{sum} ({string.Join(", ", parts)})";
    }
}
