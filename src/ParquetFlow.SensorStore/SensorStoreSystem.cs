// The whole sensor store: options, the RAM pool, the registry of sensors (one per source and id), the disk quota and
// the manager tick that spills, flushes and persists.
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ParquetFlow.Durability;

namespace ParquetFlow.SensorStore;

/// <summary>
/// The whole store, one per process or directory: the document's system (<c>ss_init_system</c>, <c>ss_sensor_init</c>, <c>ss_manager_tick</c>,
/// <c>ss_set_shutdown</c>, <c>ss_dump_stats</c>). Thread-safe: writers, one uploader and one manager may
/// run concurrently. On the Linux profile, opening the store recovers every sensor found on disk.
/// </summary>
public sealed class SensorStoreSystem : IDisposable
{
    /// <summary>While reads keep failing or the quota keeps evicting, each is reported at most this often.</summary>
    private static readonly TimeSpan s_reportInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _registryLock = new();
    private readonly Dictionary<(SensorSource, uint), SensorLog> _sensors = [];
    private readonly SectorPool _pool;
    private readonly List<string> _recoveryReport = [];
    private SensorLog[] _snapshot = [];
    private long _diskSlotsUsed;
    private long _diskFailures;
    private long _readFailures;
    private long _rewrites;
    private long _evictedSectors;
    private long _evictedRecords;
    private long _evictedRecordsReported;
    private readonly ReportThrottle _evictionReports;
    private readonly ReportThrottle _readFailureReports;
    private volatile string? _lastDiskError;
    private int _healthy = 1;
    private volatile bool _shutdown;
    private volatile bool _spilling;
    private int _recovered;
    private int _recoveredFromMeta;
    private int _unrecovered;
    private int _corruptAtRecovery;
    private Thread? _manager;
    private CancellationTokenSource? _managerStop;
    private bool _disposed;

    private SensorStoreSystem(SensorStoreOptions options, SectorPool pool)
    {
        Options = options;
        _pool = pool;
        Clock = options.Clock;
        Logger = options.Logger;
        _evictionReports = new ReportThrottle(options.Clock, s_reportInterval);
        _readFailureReports = new ReportThrottle(options.Clock, s_reportInterval);
        DiskCache = new DiskReadCache(options.Profile == StoreProfile.Linux ? options.DiskSectorSize : 0);
    }

    /// <summary>The options the store was opened with.</summary>
    public SensorStoreOptions Options { get; }

    internal TimeProvider Clock { get; }

    internal ILogger Logger { get; }

    internal DiskReadCache DiskCache { get; }

    internal long DiskQuotaSlots => Options.DiskQuotaBytes / Options.DiskSectorSize;

    /// <summary><see cref="Open(SensorStoreOptions)"/> in the C exports' form (<c>ss_init_system</c>'s return code).</summary>
    internal static StoreResult Open(SensorStoreOptions options, out SensorStoreSystem? store) => Open(options, out store, out _);

    /// <summary>
    /// <see cref="Open(SensorStoreOptions)"/> in the C exports' form, with the reason it failed: InvalidArgument for an
    /// invalid option, NoSpace for the budget, IoError for the disk error that kept the store directory from being created
    /// or listed.
    /// </summary>
    internal static StoreResult Open(SensorStoreOptions options, out SensorStoreSystem? store, out string? error)
    {
        ArgumentNullException.ThrowIfNull(options);
        store = null;
        error = options.Validate();
        if (error is not null)
        {
            return StoreResult.InvalidArgument;
        }
        int shared;
        if (options.Profile == StoreProfile.Stm32)
        {
            int perSector = options.RamSectorSize + SensorStoreOptions.Stm32BytesPerSectorLink;
            int room = options.MemoryBudgetBytes - SensorStoreOptions.Stm32SystemBytes - (options.MaxSensors * SensorStoreOptions.Stm32BytesPerSensor);
            int sectors = room / perSector;
            shared = sectors - options.MaxSensors;
            if (room < 0 || shared < 0)
            {
                error = "the memory budget cannot hold one sector per sensor";
                return StoreResult.NoSpace;
            }
        }
        else
        {
            shared = options.RamPoolBytes / options.RamSectorSize;
        }
        var s = new SensorStoreSystem(options, new SectorPool(options.RamSectorSize, options.MaxSensors, shared));
        if (options.Profile == StoreProfile.Linux)
        {
            try
            {
                s.RecoverAll();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The store directory itself cannot be created, synced or listed (a sensor that cannot be read is only reported).
                s.Dispose();
                error = $"{options.Directory}: {e.Message}";
                return StoreResult.IoError;
            }
            Log.StoreOpened(s.Logger, options.Directory!, s._recovered, s._recoveredFromMeta, s._unrecovered, s._corruptAtRecovery);
        }
        store = s;
        return StoreResult.Ok;
    }

    /// <summary>
    /// <c>ss_init_system</c>: validates the options, carves the pool (on STM32 from the hard budget) and, on Linux, recovers
    /// every sensor under <see cref="SensorStoreOptions.Directory"/>. Damaged files do not make it fail: what cannot be read
    /// is skipped and reported in <see cref="StoreStats.RecoveryReport"/>. Throws with the reason in the message:
    /// <see cref="IOException"/> when the store directory cannot be created or listed, <see cref="InvalidOperationException"/>
    /// for an invalid option or a memory budget that cannot hold one sector per sensor.
    /// </summary>
    public static SensorStoreSystem Open(SensorStoreOptions options)
    {
        StoreResult r = Open(options, out SensorStoreSystem? store, out string? error);
        return r switch
        {
            StoreResult.Ok => store!,
            StoreResult.IoError => throw new IOException($"cannot open the sensor store: {error}"),
            _ => throw new InvalidOperationException($"cannot open the sensor store: {error}"),
        };
    }

    /// <summary>
    /// The sensor for (<paramref name="source"/>, <paramref name="sensorId"/>), created with its first sector or the one
    /// recovered. Throws <see cref="ArgumentException"/> for an unknown source or type, <see cref="InvalidOperationException"/>
    /// when the sensor exists with the other record type or every sensor slot (<see cref="SensorStoreOptions.MaxSensors"/>)
    /// is taken, <see cref="IOException"/> when its file cannot be created.
    /// </summary>
    public SensorLog GetOrCreateSensor(SensorSource source, uint sensorId, SensorType type)
    {
        StoreResult r = InitSensor(source, sensorId, type, out SensorLog? sensor);
        return r switch
        {
            StoreResult.Ok => sensor!,
            StoreResult.InvalidArgument => throw new ArgumentException($"{source}/{sensorId} {type}: no such source or record type", nameof(type)),
            StoreResult.Exists => throw new InvalidOperationException($"{Name()} exists with the other record type than {type}"),
            StoreResult.NoSpace => throw new InvalidOperationException($"{Name()}: every one of the store's {Options.MaxSensors} sensor slots is taken"),
            StoreResult.IoError => throw new IOException($"{Name()}: its file cannot be created: {GetStats().LastDiskError}"),
            _ => throw new InvalidOperationException($"{Name()}: {r}"),
        };

        string Name() => $"{SensorNames.Of(source)}/{sensorId}";
    }

    /// <summary>
    /// <c>ss_sensor_init</c>: <see cref="GetOrCreateSensor"/> in the C exports' form. InvalidArgument for an unknown source
    /// or type, Exists if the sensor exists with the other type, NoSpace when every sensor slot is taken, IoError when its
    /// file cannot be created.
    /// </summary>
    internal StoreResult InitSensor(SensorSource source, uint sensorId, SensorType type, out SensorLog? sensor)
    {
        sensor = null;
        if (type != SensorType.TimeSeries && type != SensorType.Event || source > SensorSource.Can)
        {
            return StoreResult.InvalidArgument;
        }
        lock (_registryLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_sensors.TryGetValue((source, sensorId), out SensorLog? existing))
            {
                if (existing.Type != type)
                {
                    return StoreResult.Exists;
                }
                sensor = existing;
                return StoreResult.Ok;
            }
            return CreateLocked(source, sensorId, type, null, out sensor);
        }
    }

    /// <summary>The sensor for (<paramref name="source"/>, <paramref name="sensorId"/>) if it exists.</summary>
    public SensorLog? Find(SensorSource source, uint sensorId)
    {
        lock (_registryLock)
        {
            return _sensors.GetValueOrDefault((source, sensorId));
        }
    }

    /// <summary>Every sensor, in creation order (a snapshot).</summary>
    public IReadOnlyList<SensorLog> Sensors => Volatile.Read(ref _snapshot);

    /// <summary><c>ss_set_shutdown</c>: while set, the manager force-seals and flushes every open sector to disk.</summary>
    public void SetShutdown(bool inProgress) => _shutdown = inProgress;

    /// <summary>True when shutdown was requested.</summary>
    public bool ShutdownRequested => _shutdown;

    /// <summary>
    /// The helper the document asks for: true when no record exists only in RAM and every meta is written
    /// (Linux). Always false on the RAM-only STM32 profile unless the store is empty.
    /// </summary>
    public bool IsFlushedToDisk
    {
        get
        {
            foreach (SensorLog s in Sensors)
            {
                if (Options.Profile == StoreProfile.Stm32 ? s.TotalRecords > 0 : s.HasRamBacklog)
                {
                    return false;
                }
            }
            return true;
        }
    }

    /// <summary>
    /// Sets the shutdown flag and runs manager passes until everything is on disk or the budget (default
    /// <see cref="SensorStoreOptions.ShutdownFlushBudget"/>) runs out. Returns <see cref="IsFlushedToDisk"/>.
    /// </summary>
    /// <remarks>
    /// A pass in which the disk failed is followed by a wait (10 ms, doubling up to 1 s, never past the budget) before
    /// the next: a failing or full disk is retried for the whole budget without spinning a core on it.
    /// </remarks>
    public bool FlushForShutdown(TimeSpan? budget = null)
    {
        SetShutdown(true);
        long start = Clock.GetTimestamp();
        TimeSpan limit = budget ?? Options.ShutdownFlushBudget;
        TimeSpan backoff = TimeSpan.FromMilliseconds(10);
        do
        {
            long failuresBefore = Interlocked.Read(ref _diskFailures);
            Tick();
            if (IsFlushedToDisk)
            {
                return true;
            }

            TimeSpan left = limit - Clock.GetElapsedTime(start);
            if (Interlocked.Read(ref _diskFailures) != failuresBefore && left > TimeSpan.Zero)
            {
                ShutdownRetryWaits++;
                using var wait = new ManualResetEventSlim(false);
                using ITimer timer = Clock.CreateTimer(_ => wait.Set(), null, backoff < left ? backoff : left, Timeout.InfiniteTimeSpan);
                wait.Wait();
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.TicksPerSecond));
            }
        }
        while (Clock.GetElapsedTime(start) < limit);
        return IsFlushedToDisk;
    }

    /// <summary>Waits <see cref="FlushForShutdown"/> made after a pass in which the disk failed (instead of retrying at once).</summary>
    public long ShutdownRetryWaits { get; private set; }

    /// <summary>
    /// Moves every record held in RAM to disk now (sectors, then metas), without setting the shutdown flag; when it
    /// returns, every record added before the call is durable (unless acknowledged meanwhile). On the RAM-only STM32
    /// profile there is no disk and it returns at once. Throws <see cref="IOException"/> when part of it is not durable: a
    /// disk write or fsync failed (the message names the last disk error), or the disk quota is full and no unsent disk
    /// sector can be evicted for the records in RAM. Those records stay in RAM, nothing is lost, and the manager (or the
    /// next call) retries; <see cref="StoreStats.Healthy"/> goes false after repeated failures.
    /// </summary>
    public void Flush()
    {
        StoreResult r = FlushAll();
        switch (r)
        {
            case StoreResult.Ok:
                return;
            case StoreResult.NoSpace:
                throw new IOException($"sensor store: not flushed: the disk quota of {Options.DiskQuotaBytes} bytes is full and no unsent disk sector can be evicted; the records stay in RAM");
            default:
                Debug.Assert(r == StoreResult.IoError, $"a flush returns Ok, NoSpace or IoError, not {r}");
                throw new IOException($"sensor store: not flushed: a disk write failed, the records stay in RAM and are retried: {GetStats().LastDiskError}");
        }
    }

    /// <summary>
    /// <see cref="Flush"/> in the C exports' form: Ok when all of it is durable, IoError when a disk write failed, NoSpace
    /// when the disk quota has no room eviction can make (the last failing sensor's result when several fail).
    /// </summary>
    internal StoreResult FlushAll()
    {
        StoreResult worst = StoreResult.Ok;
        foreach (SensorLog s in Sensors)
        {
            StoreResult r = s.ManagerPass(spill: true, includeOpen: true, int.MaxValue);
            if (r != StoreResult.Ok)
            {
                worst = r;
            }
        }
        return worst;
    }

    /// <summary>
    /// <c>ss_manager_tick</c> (call every ~100 ms, or use <see cref="StartManager"/>): on Linux, spill above the
    /// high watermark until the disk backlog is consumed, force-seal old or (at shutdown) all open sectors,
    /// retry failed writes, keep the quota, and persist metas and index reservations.
    /// </summary>
    public void Tick()
    {
        if (Options.Profile != StoreProfile.Linux)
        {
            return;
        }
        if (_pool.Fill >= Options.HighWatermark)
        {
            _spilling = true;
        }
        bool spill = _spilling;
        bool shutdown = _shutdown;
        foreach (SensorLog s in Sensors)
        {
            bool includeOpen = shutdown || (spill && s.TailAge() >= Options.ForceSealInterval);
            _ = s.ManagerPass(spill, includeOpen, shutdown ? int.MaxValue : Options.FlushBatchSectors);
        }
        ReportEvictions(final: false);
        if (_spilling && Interlocked.Read(ref _diskSlotsUsed) == 0 && _pool.Fill < Options.HighWatermark)
        {
            _spilling = false; // the disk backlog is consumed: new data stays in RAM again
        }
    }

    /// <summary>Runs <see cref="Tick"/> on a background thread every <paramref name="interval"/> until disposed.</summary>
    public void StartManager(TimeSpan interval)
    {
        lock (_registryLock)
        {
            if (_manager is not null)
            {
                return;
            }
            _managerStop = new CancellationTokenSource();
            CancellationToken token = _managerStop.Token;
            _manager = new Thread(() =>
            {
                while (!token.WaitHandle.WaitOne(interval))
                {
                    Tick();
                }
            })
            {
                IsBackground = true,
                Name = "sensor-store-manager",
            };
            _manager.Start();
        }
    }

    /// <summary><c>ss_dump_stats</c>: the sensor's counts and cursors, or null if it does not exist.</summary>
    public SensorStats? DumpStats(SensorSource source, uint sensorId) => Find(source, sensorId)?.GetStats();

    /// <summary>Store-wide figures.</summary>
    public StoreStats GetStats()
    {
        bool stm32 = Options.Profile == StoreProfile.Stm32;
        lock (_registryLock)
        {
            return new StoreStats
            {
                Profile = Options.Profile,
                Sensors = _sensors.Count,
                RamSectorSize = _pool.SectorSize,
                RamSectorsUsed = _pool.Used,
                RamSectorsCapacity = _pool.Capacity,
                SharedPoolFill = _pool.Fill,
                Spilling = _spilling,
                DiskBytesUsed = Interlocked.Read(ref _diskSlotsUsed) * Options.DiskSectorSize,
                DiskQuotaBytes = stm32 ? 0 : Options.DiskQuotaBytes,
                Healthy = Volatile.Read(ref _healthy) == 1,
                DiskWriteFailures = Interlocked.Read(ref _diskFailures),
                DiskReadFailures = Interlocked.Read(ref _readFailures),
                DataFilesRewritten = Interlocked.Read(ref _rewrites),
                LastDiskError = _lastDiskError,
                AccountedBytes = stm32 ? AccountedBytes() : 0,
                MemoryBudgetBytes = stm32 ? Options.MemoryBudgetBytes : 0,
                RecoveredSensors = _recovered,
                RecoveredFromMeta = _recoveredFromMeta,
                UnrecoveredSensors = _unrecovered,
                CorruptSectorsAtRecovery = _corruptAtRecovery,
                RecoveryReport = [.. _recoveryReport],
            };
        }
    }

    /// <summary>STM32 accounting: sectors with their links, every sensor slot's state, the fixed system state.</summary>
    private int AccountedBytes() =>
        SensorStoreOptions.Stm32SystemBytes
        + (Options.MaxSensors * SensorStoreOptions.Stm32BytesPerSensor)
        + (_pool.Capacity * (_pool.SectorSize + SensorStoreOptions.Stm32BytesPerSectorLink));

    internal bool TryTakeDiskQuota()
    {
        long quota = DiskQuotaSlots;
        while (true)
        {
            long used = Interlocked.Read(ref _diskSlotsUsed);
            if (used + 1 > quota)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _diskSlotsUsed, used + 1, used) == used)
            {
                return true;
            }
        }
    }

    internal void TakeDiskQuotaForReplacement() => Interlocked.Increment(ref _diskSlotsUsed);

    internal void ReturnDiskQuota(int slots) => Interlocked.Add(ref _diskSlotsUsed, -slots);

    internal void ReleaseDiskSlot(DiskLog disk, int slot)
    {
        disk.ReleaseSlot(slot);
        DiskCache.Invalidate(disk, slot);
        Interlocked.Decrement(ref _diskSlotsUsed);
    }

    /// <summary>
    /// Quota reached while <paramref name="requester"/> (whose lock is held) flushes: the sensor with the most
    /// unsent disk sectors gives up its oldest one. Other sensors are only try-locked, so this never deadlocks.
    /// </summary>
    internal bool DropForQuota(SensorLog requester)
    {
        SensorLog? victim = null;
        int most = 0;
        foreach (SensorLog s in Sensors)
        {
            if (ReferenceEquals(s, requester))
            {
                continue;
            }
            if (!s.Gate.TryEnter())
            {
                continue; // busy: never wait for another sensor while holding the requester's lock
            }
            int n;
            try
            {
                n = s.DroppableDiskSegments;
            }
            finally
            {
                s.Gate.Exit();
            }
            if (n > most)
            {
                most = n;
                victim = s;
            }
        }
        if (victim is null || !victim.Gate.TryEnter())
        {
            return false;
        }
        try
        {
            return victim.DropOldestUnsentDiskSegmentLocked(keepLast: false);
        }
        finally
        {
            victim.Gate.Exit();
        }
    }

    /// <summary>
    /// A sensor's disk write (<paramref name="operation"/> <paramref name="path"/>) failed for the
    /// <paramref name="consecutive"/>th time in a row. Logged when a run of failures starts and when it makes the store
    /// unhealthy, not at every retry of the manager's passes.
    /// </summary>
    internal void ReportDiskFailure(int consecutive, string operation, string path, Exception error)
    {
        _lastDiskError = error.Message;
        Interlocked.Increment(ref _diskFailures);
        if (consecutive == 1)
        {
            Log.WriteFailed(Logger, operation, path, error.Message);
        }
        if (consecutive == Options.DiskFailuresBeforeUnhealthy)
        {
            Log.Unhealthy(Logger, consecutive, operation, path, error.Message);
        }
        if (consecutive >= Options.DiskFailuresBeforeUnhealthy)
        {
            Volatile.Write(ref _healthy, 0);
        }
    }

    /// <summary>A sensor's disk write to <paramref name="path"/> succeeded after <paramref name="failuresBefore"/> failed ones.</summary>
    internal void ReportDiskSuccess(string path, int failuresBefore)
    {
        if (failuresBefore > 0)
        {
            Log.WritesRecovered(Logger, path, failuresBefore);
        }
        Volatile.Write(ref _healthy, 1);
    }

    /// <summary>A read failed with an I/O error: counted and remembered, the sector kept; logged at most once per <see cref="s_reportInterval"/>.</summary>
    internal void ReportReadFailure(IOException error)
    {
        _lastDiskError = error.Message;
        long total = Interlocked.Increment(ref _readFailures);
        long since = _readFailureReports.Due(total);
        if (since > 0)
        {
            Log.ReadsFailed(Logger, error.Message, since, total);
        }
    }

    internal void ReportRewrite(string path)
    {
        Interlocked.Increment(ref _rewrites);
        Log.DataFileRewritten(Logger, path);
    }

    /// <summary>The quota made a sensor give up one unsent disk sector holding <paramref name="records"/> records.</summary>
    internal void ReportQuotaEviction(ulong records)
    {
        Interlocked.Increment(ref _evictedSectors);
        Interlocked.Add(ref _evictedRecords, (long)records);
        ReportEvictions(final: false);
    }

    /// <summary>Logs the quota evictions since the last report: at once when they start, then at most once per <see cref="s_reportInterval"/>.</summary>
    private void ReportEvictions(bool final)
    {
        long sectors = _evictionReports.Due(Interlocked.Read(ref _evictedSectors), final);
        if (sectors > 0)
        {
            long records = Interlocked.Read(ref _evictedRecords);
            Log.QuotaEvicted(Logger, Options.DiskQuotaBytes, sectors, records - Interlocked.Exchange(ref _evictedRecordsReported, records), Interlocked.Read(ref _evictedSectors));
        }
    }

    internal void ReportCorruptSector(string message)
    {
        lock (_registryLock)
        {
            if (_recoveryReport.Count < 1000)
            {
                _recoveryReport.Add(message);
            }
        }
    }

    private StoreResult CreateLocked(SensorSource source, uint sensorId, SensorType type, byte[]? metaBytes, out SensorLog? sensor)
    {
        sensor = null;
        int first = _pool.AllocateFirst();
        if (first < 0)
        {
            return StoreResult.NoSpace;
        }
        DiskLog? disk = null;
        DiskRecovery? recovery = null;
        if (Options.Profile == StoreProfile.Linux)
        {
            try
            {
                disk = DiskLog.Open(Options.Storage, Options.Directory!, source, sensorId, type, Options.DiskSectorSize, metaBytes, Logger, out recovery);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _recoveryReport.Add($"{DiskLog.SourceDirectoryName(source)}/{DiskLog.FileStem(sensorId)}: {e.Message}");
                Log.SensorNotRecovered(Logger, Path.Combine(Options.Directory!, DiskLog.SourceDirectoryName(source), DiskLog.FileStem(sensorId)), e.Message);
                _pool.FreeFirst(first);
                return StoreResult.IoError;
            }
            _recoveryReport.AddRange(recovery.Report);
            _corruptAtRecovery += recovery.CorruptSectors;
            if (recovery.UsedMeta)
            {
                _recoveredFromMeta++;
            }
            Interlocked.Add(ref _diskSlotsUsed, recovery.Segments.Count);
            if (recovery.Segments.Count > 0)
            {
                _spilling = true; // a disk backlog exists: keep new data behind it until it is consumed
            }
        }
        sensor = new SensorLog(this, _pool, first, source, sensorId, type, disk, recovery, Options.InitialIndex);
        _sensors.Add((source, sensorId), sensor);
        _snapshot = [.. _snapshot, sensor];
        return StoreResult.Ok;
    }

    /// <summary>Finds every sensor file under the three source directories and recovers it.</summary>
    private void RecoverAll()
    {
        string root = Options.Directory!;
        Storage storage = Options.Storage;
        storage.CreateDirectory(root);
        lock (_registryLock)
        {
            foreach (SensorSource source in new[] { SensorSource.Host, SensorSource.Application, SensorSource.Can })
            {
                string dir = Path.Combine(root, DiskLog.SourceDirectoryName(source));
                storage.CreateDirectory(dir);
                var ids = new SortedSet<uint>();
                foreach (string path in Directory.EnumerateFiles(dir, "sensor_*.*"))
                {
                    string name = Path.GetFileName(path);
                    if ((name.EndsWith(".dat", StringComparison.Ordinal) || name.EndsWith(".meta", StringComparison.Ordinal))
                        && name.Length >= 17 && uint.TryParse(name.AsSpan(7, 10), out uint id))
                    {
                        ids.Add(id);
                    }
                }
                foreach (uint id in ids)
                {
                    string stem = Path.Combine(dir, DiskLog.FileStem(id));
                    SensorType type;
                    byte[]? metaBytes;
                    try
                    {
                        type = DiskLog.ProbeType(storage, stem + ".dat", stem + ".meta", Options.DiskSectorSize, out metaBytes);
                    }
                    catch (IOException e)
                    {
                        // Its files are kept as they are: GetOrCreateSensor (or the next open) recovers it once the disk reads.
                        _recoveryReport.Add($"{stem}: not recovered: {e.Message}");
                        Log.SensorNotRecovered(Logger, stem, e.Message);
                        _unrecovered++;
                        _lastDiskError = e.Message;
                        Interlocked.Increment(ref _readFailures);
                        continue;
                    }
                    if (type == 0)
                    {
                        continue; // no valid sector and no meta: nothing to recover; the files are reused if the sensor comes back
                    }
                    StoreResult r = CreateLocked(source, id, type, metaBytes, out SensorLog? sensor);
                    if (r != StoreResult.Ok)
                    {
                        _recoveryReport.Add($"{stem}: not recovered ({r})");
                        if (r != StoreResult.IoError)
                        {
                            Log.SensorNotRecovered(Logger, stem, r.ToString()); // an IoError was logged with its reason by CreateLocked
                        }
                        _unrecovered++;
                        continue;
                    }
                    _recovered++;
                    Debug.Assert(sensor is not null);
                }
            }
        }
    }

    /// <summary>Stops the manager and closes files. Does not flush: call <see cref="FlushForShutdown"/> first.</summary>
    public void Dispose()
    {
        Thread? manager;
        lock (_registryLock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            manager = _manager;
            _managerStop?.Cancel();
        }
        manager?.Join();
        _managerStop?.Dispose();
        ReportEvictions(final: true);
        foreach (SensorLog s in Sensors)
        {
            lock (s.Gate)
            {
                s.DisposeDisk();
            }
        }
        _pool.Dispose();
    }
}
