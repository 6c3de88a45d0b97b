// The sensor store's C API (ss_init_system, ss_sensor_init, ...) as unmanaged entry points, exported from
// libparquetflow.so next to the pqflow_* functions of CApi.cs when published with NativeAOT; tests call them
// through function pointers. They call the store's internal errno-style methods (InternalsVisibleTo libparquetflow),
// whose StoreResult codes are the C API's return values.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using ParquetFlow.SensorStore;

namespace ParquetFlow.Native;

/// <summary>
/// C ABI over one process-wide <see cref="SensorStoreSystem"/>. Handles are opaque pointers
/// (<c>SensorStore*</c>) valid until <c>ss_shutdown_system</c>. Every function returns a
/// <see cref="StoreResult"/> value (0 or a negated errno) unless it returns void. Thread-safe like the C# API.
/// </summary>
internal static unsafe class SensorStoreExports
{
    private static readonly Lock s_lock = new();
    private static SensorStoreSystem? s_store;
    private static readonly List<GCHandle> s_handles = [];

    /// <summary>
    /// <c>int ss_init_system(const SsInitCfg *cfg)</c>. Zero fields take the profile's defaults; -EEXIST if
    /// already initialized.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_init_system", CallConvs = [typeof(CallConvCdecl)])]
    public static int InitSystem(SsInitCfg* cfg)
    {
        if (cfg == null)
        {
            return (int)StoreResult.InvalidArgument;
        }
        try
        {
            SensorStoreOptions options = cfg->Profile switch
            {
                0 => SensorStoreOptions.Stm32(),
                1 => SensorStoreOptions.Linux(cfg->Directory == null ? "" : Marshal.PtrToStringUTF8((nint)cfg->Directory) ?? ""),
                _ => throw new ArgumentOutOfRangeException(nameof(cfg)),
            };
            options = options with
            {
                RamSectorSize = cfg->RamSectorSize != 0 ? (int)cfg->RamSectorSize : options.RamSectorSize,
                MemoryBudgetBytes = cfg->MemoryBudgetBytes != 0 ? (int)cfg->MemoryBudgetBytes : options.MemoryBudgetBytes,
                RamPoolBytes = cfg->RamPoolBytes != 0 ? (int)cfg->RamPoolBytes : options.RamPoolBytes,
                MaxSensors = cfg->MaxSensors != 0 ? (int)cfg->MaxSensors : options.MaxSensors,
                DiskSectorSize = cfg->DiskSectorSize != 0 ? (int)cfg->DiskSectorSize : options.DiskSectorSize,
                DiskQuotaBytes = cfg->DiskQuotaBytes != 0 ? (long)cfg->DiskQuotaBytes : options.DiskQuotaBytes,
                HighWatermark = cfg->HighWatermarkPercent != 0 ? cfg->HighWatermarkPercent / 100.0 : options.HighWatermark,
                FlushBatchSectors = cfg->FlushBatchSectors != 0 ? (int)cfg->FlushBatchSectors : options.FlushBatchSectors,
                ForceSealInterval = cfg->ForceSealMs != 0 ? TimeSpan.FromMilliseconds(cfg->ForceSealMs) : options.ForceSealInterval,
                ShutdownFlushBudget = cfg->ShutdownBudgetMs != 0 ? TimeSpan.FromMilliseconds(cfg->ShutdownBudgetMs) : options.ShutdownFlushBudget,
            };
            lock (s_lock)
            {
                if (s_store is not null)
                {
                    return (int)StoreResult.Exists;
                }
                StoreResult r = SensorStoreSystem.Open(options, out s_store);
                return (int)r;
            }
        }
        catch (ArgumentOutOfRangeException)
        {
            return (int)StoreResult.InvalidArgument;
        }
    }

    /// <summary><c>int ss_sensor_init(uint32_t sensor_id, SensorType type, SensorStore **out)</c> (source host).</summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_sensor_init", CallConvs = [typeof(CallConvCdecl)])]
    public static int SensorInit(uint sensorId, int type, nint* handle) => SensorInitCore(SensorSource.Host, sensorId, type, handle);

    /// <summary><c>int ss_sensor_init_source(uint8_t source, uint32_t sensor_id, SensorType type, SensorStore **out)</c>: source 0 host, 1 application, 2 can.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_sensor_init_source", CallConvs = [typeof(CallConvCdecl)])]
    public static int SensorInitSource(byte source, uint sensorId, int type, nint* handle) =>
        source > (byte)SensorSource.Can ? (int)StoreResult.InvalidArgument : SensorInitCore((SensorSource)source, sensorId, type, handle);

    private static int SensorInitCore(SensorSource source, uint sensorId, int type, nint* handle)
    {
        if (handle == null)
        {
            return (int)StoreResult.InvalidArgument;
        }
        lock (s_lock)
        {
            if (s_store is null)
            {
                return (int)StoreResult.InvalidArgument;
            }
            StoreResult r = s_store.InitSensor(source, sensorId, (SensorType)type, out SensorLog? sensor);
            if (r != StoreResult.Ok)
            {
                return (int)r;
            }
            foreach (GCHandle h in s_handles)
            {
                if (ReferenceEquals(h.Target, sensor))
                {
                    *handle = GCHandle.ToIntPtr(h);
                    return 0;
                }
            }
            GCHandle created = GCHandle.Alloc(sensor);
            s_handles.Add(created);
            *handle = GCHandle.ToIntPtr(created);
            return 0;
        }
    }

    private static SensorLog? Resolve(nint handle) => handle == 0 ? null : GCHandle.FromIntPtr(handle).Target as SensorLog;

    /// <summary><c>int ss_ts_add(SensorStore *s, uint32_t value)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_ts_add", CallConvs = [typeof(CallConvCdecl)])]
    public static int TsAdd(nint s, uint value) => Resolve(s) is { } sensor ? (int)sensor.AddTimeSeries(value) : (int)StoreResult.InvalidArgument;

    /// <summary><c>int ss_evt_add(SensorStore *s, uint32_t value, uint64_t ts_ms)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_evt_add", CallConvs = [typeof(CallConvCdecl)])]
    public static int EvtAdd(nint s, uint value, ulong tsMs) => Resolve(s) is { } sensor ? (int)sensor.AddEvent(value, tsMs) : (int)StoreResult.InvalidArgument;

    /// <summary><c>int ss_get_total_records(const SensorStore *s, uint64_t *out)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_get_total_records", CallConvs = [typeof(CallConvCdecl)])]
    public static int GetTotalRecords(nint s, ulong* total)
    {
        if (Resolve(s) is not { } sensor || total == null)
        {
            return (int)StoreResult.InvalidArgument;
        }
        *total = (ulong)sensor.TotalRecords;
        return 0;
    }

    /// <summary><c>int ss_get_unsent_count(const SensorStore *s, uint64_t *out)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_get_unsent_count", CallConvs = [typeof(CallConvCdecl)])]
    public static int GetUnsentCount(nint s, ulong* unsent)
    {
        if (Resolve(s) is not { } sensor || unsent == null)
        {
            return (int)StoreResult.InvalidArgument;
        }
        *unsent = (ulong)sensor.UnsentCount;
        return 0;
    }

    /// <summary><c>int ss_diag_read_at(const SensorStore *s, uint64_t offset, void *out_rec)</c>: writes 4 or 12 bytes.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_diag_read_at", CallConvs = [typeof(CallConvCdecl)])]
    public static int DiagReadAt(nint s, ulong offset, byte* record)
    {
        if (Resolve(s) is not { } sensor || record == null)
        {
            return (int)StoreResult.InvalidArgument;
        }
        StoreResult r = sensor.DiagReadAt(offset, out SensorRecord rec);
        if (r == StoreResult.Ok)
        {
            Write(sensor.Type, rec, record);
        }
        return (int)r;
    }

    /// <summary><c>int ss_consume_next(SensorStore *s, void *out_rec)</c>: -EAGAIN when nothing is unsent.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_consume_next", CallConvs = [typeof(CallConvCdecl)])]
    public static int ConsumeNext(nint s, byte* record)
    {
        if (Resolve(s) is not { } sensor || record == null)
        {
            return (int)StoreResult.InvalidArgument;
        }
        StoreResult r = sensor.ConsumeNext(out SensorRecord rec);
        if (r == StoreResult.Ok)
        {
            Write(sensor.Type, rec, record);
        }
        return (int)r;
    }

    /// <summary><c>int ss_consume_batch(SensorStore *s, void *out_buf, uint32_t max_records, uint32_t *out_n)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_consume_batch", CallConvs = [typeof(CallConvCdecl)])]
    public static int ConsumeBatch(nint s, byte* buffer, uint maxRecords, uint* count)
    {
        if (Resolve(s) is not { } sensor || buffer == null || count == null || maxRecords > int.MaxValue / RecordCodec.MaxSize)
        {
            return (int)StoreResult.InvalidArgument;
        }
        int size = RecordCodec.Size(sensor.Type);
        StoreResult r = sensor.ConsumeBatch(new Span<byte>(buffer, (int)maxRecords * size), out int n, out _);
        *count = (uint)n;
        return (int)r;
    }

    /// <summary>
    /// <c>int ss_consume_batch_at(SensorStore *s, void *out_buf, uint32_t max_records, uint32_t *out_n, uint64_t *out_first_index)</c>:
    /// <c>ss_consume_batch</c> that also gives the index of the batch's first record (the n records are consecutive), from
    /// which a C uploader builds the batch's idempotency key.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_consume_batch_at", CallConvs = [typeof(CallConvCdecl)])]
    public static int ConsumeBatchAt(nint s, byte* buffer, uint maxRecords, uint* count, ulong* firstIndex)
    {
        if (Resolve(s) is not { } sensor || buffer == null || count == null || firstIndex == null || maxRecords > int.MaxValue / RecordCodec.MaxSize)
        {
            return (int)StoreResult.InvalidArgument;
        }
        int size = RecordCodec.Size(sensor.Type);
        StoreResult r = sensor.ConsumeBatch(new Span<byte>(buffer, (int)maxRecords * size), out int n, out ulong first);
        *count = (uint)n;
        *firstIndex = first;
        return (int)r;
    }

    /// <summary><c>int ss_consume_next_at(SensorStore *s, void *out_rec, uint64_t *out_index)</c>: <c>ss_consume_next</c> with the record's index.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_consume_next_at", CallConvs = [typeof(CallConvCdecl)])]
    public static int ConsumeNextAt(nint s, byte* record, ulong* index)
    {
        if (Resolve(s) is not { } sensor || record == null || index == null)
        {
            return (int)StoreResult.InvalidArgument;
        }
        StoreResult r = sensor.ConsumeNext(out SensorRecord rec);
        if (r == StoreResult.Ok)
        {
            Write(sensor.Type, rec, record);
            *index = rec.Index;
        }
        return (int)r;
    }

    /// <summary>
    /// <c>int ss_get_health(ss_health *out)</c>: the store's health (Linux profile: a full disk and a slow one no longer
    /// both read as -EAGAIN from <c>ss_flush_for_shutdown</c>). The struct has explicit widths and no padding, the same
    /// on 32- and 64-bit ARM.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_get_health", CallConvs = [typeof(CallConvCdecl)])]
    public static int GetHealth(Health* health)
    {
        SensorStoreSystem? store = Volatile.Read(ref s_store);
        if (store is null || health == null)
        {
            return (int)StoreResult.InvalidArgument;
        }
        StoreStats stats = store.GetStats();
        *health = new Health
        {
            Healthy = stats.Healthy ? 1u : 0u,
            Spilling = stats.Spilling ? 1u : 0u,
            DiskWriteFailures = (ulong)stats.DiskWriteFailures,
            DiskReadFailures = (ulong)stats.DiskReadFailures,
            DiskBytesUsed = (ulong)stats.DiskBytesUsed,
            DiskQuotaBytes = (ulong)stats.DiskQuotaBytes,
            HasLastError = stats.LastDiskError is null ? 0u : 1u,
            UnrecoveredSensors = (uint)stats.UnrecoveredSensors,
        };
        return 0;
    }

    /// <summary>
    /// <c>int ss_get_last_error(char *buf, uint32_t len)</c>: the last disk failure in words (file, operation, error) as a
    /// NUL-terminated UTF-8 string, empty when none happened; -ERANGE if <paramref name="length"/> is too small.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_get_last_error", CallConvs = [typeof(CallConvCdecl)])]
    public static int GetLastError(byte* buffer, uint length)
    {
        SensorStoreSystem? store = Volatile.Read(ref s_store);
        if (store is null || buffer == null)
        {
            return (int)StoreResult.InvalidArgument;
        }
        return CopyString(store.GetStats().LastDiskError ?? "", buffer, length);
    }

    /// <summary><c>ss_health</c>: 48 bytes, explicit widths, 8-byte fields on 8-byte offsets.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Health
    {
        public uint Healthy;
        public uint Spilling;
        public ulong DiskWriteFailures;
        public ulong DiskReadFailures;
        public ulong DiskBytesUsed;
        public ulong DiskQuotaBytes;
        public uint HasLastError;
        public uint UnrecoveredSensors;
    }

    /// <summary><c>int ss_erase_all_pending(SensorStore *s)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_erase_all_pending", CallConvs = [typeof(CallConvCdecl)])]
    public static int EraseAllPending(nint s) => Resolve(s) is { } sensor ? (int)sensor.EraseAllPending() : (int)StoreResult.InvalidArgument;

    /// <summary><c>void ss_manager_tick(void)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_manager_tick", CallConvs = [typeof(CallConvCdecl)])]
    public static void ManagerTick() => Volatile.Read(ref s_store)?.Tick();

    /// <summary><c>void ss_set_shutdown(bool in_progress)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_set_shutdown", CallConvs = [typeof(CallConvCdecl)])]
    public static void SetShutdown(byte inProgress) => Volatile.Read(ref s_store)?.SetShutdown(inProgress != 0);

    /// <summary><c>int ss_flush_for_shutdown(uint32_t budget_ms)</c>: 0 when everything is on disk, -EAGAIN if the budget ran out.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_flush_for_shutdown", CallConvs = [typeof(CallConvCdecl)])]
    public static int FlushForShutdown(uint budgetMs)
    {
        SensorStoreSystem? store = Volatile.Read(ref s_store);
        if (store is null)
        {
            return (int)StoreResult.InvalidArgument;
        }
        return store.FlushForShutdown(budgetMs == 0 ? null : TimeSpan.FromMilliseconds(budgetMs)) ? 0 : (int)StoreResult.TryAgain;
    }

    /// <summary>
    /// <c>int ss_dump_stats(uint8_t source, uint32_t sensor_id, char *buf, uint32_t len)</c>: the sensor's stats as a
    /// NUL-terminated UTF-8 line; -ERANGE if <paramref name="length"/> is too small, -EINVAL if the sensor is unknown.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_dump_stats", CallConvs = [typeof(CallConvCdecl)])]
    public static int DumpStats(byte source, uint sensorId, byte* buffer, uint length)
    {
        SensorStats? stats = Volatile.Read(ref s_store)?.DumpStats((SensorSource)source, sensorId);
        if (stats is null || buffer == null)
        {
            return (int)StoreResult.InvalidArgument;
        }
        return CopyString(stats.ToString(), buffer, length);
    }

    /// <summary>Copies <paramref name="value"/> as NUL-terminated UTF-8; -ERANGE when it does not fit in <paramref name="length"/> bytes.</summary>
    private static int CopyString(string value, byte* buffer, uint length)
    {
        byte[] text = Encoding.UTF8.GetBytes(value);
        if ((uint)text.Length + 1 > length)
        {
            return (int)StoreResult.OutOfRange;
        }
        text.CopyTo(new Span<byte>(buffer, text.Length));
        buffer[text.Length] = 0;
        return 0;
    }

    /// <summary><c>int ss_shutdown_system(void)</c>: closes the store (call ss_flush_for_shutdown first); handles become invalid.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ss_shutdown_system", CallConvs = [typeof(CallConvCdecl)])]
    public static int ShutdownSystem()
    {
        lock (s_lock)
        {
            if (s_store is null)
            {
                return (int)StoreResult.InvalidArgument;
            }
            s_store.Dispose();
            s_store = null;
            foreach (GCHandle h in s_handles)
            {
                h.Free();
            }
            s_handles.Clear();
            return 0;
        }
    }

    private static void Write(SensorType type, SensorRecord rec, byte* destination) =>
        RecordCodec.Write(new Span<byte>(destination, RecordCodec.Size(type)), type, rec);
}
