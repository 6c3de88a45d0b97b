using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Images;
using ParquetFlow.Durability;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;

namespace ParquetFlow.Collector.Output;

/// <summary>
/// Turns accepted DIFF and FULL packets into rows <c>(time, source_type, source_id, seq, offset, value)</c> and writes
/// them through one <see cref="LogSink"/> per Hive partition, <c>source=TYPE-ID/date=YYYY-MM-DD/</c>, so DuckDB or
/// Spark read the directory as one dataset. Files rotate at <see cref="RotateBytes"/> and at <see cref="MaxFileAge"/>.
/// At most <see cref="MaxOpenPartitions"/> partitions are open at once: opening one more first finishes the file of
/// the least recently written. Producers wait rather than drop when a sink's ring is full: TCP backpressure, never a
/// lost row. Thread-safe.
/// </summary>
public sealed class ParquetOutput : IDisposable
{
    private readonly string _root;
    private readonly long _rotateBytes;
    private readonly ParquetProfile _profile;
    // Every frame looks its partition up without a lock; _lock orders what changes the maps (opening, closing, eviction).
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<(SourceKey Source, DateOnly Date), Partition> _partitions = new();
    private readonly Dictionary<(SourceKey Source, DateOnly Date), Partition> _closing = [];
    private int _open; // entries in _partitions (under _lock; ConcurrentDictionary.Count takes every bucket's lock)
    private readonly Storage _storage;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private long _rows;
    private long _droppedClosed;
    private long _lostClosed;
    private long _durableRows;
    private long _evicted;
    private long _closedIdle;
    private long _closedForAge;
    private string? _lastCloseError;
    private SinkWriterPool? _writers; // made with the first partition (WriterThreads is an init property)
    private bool _disposed;

    /// <summary>
    /// Writes partitions under <paramref name="root"/>, rotating files at <paramref name="rotateBytes"/>, through
    /// <paramref name="storage"/> (the file system by default), with <paramref name="clock"/> behind idle times and file
    /// ages, in the writer <paramref name="profile"/> (Compatible by default: files every reader reads).
    /// </summary>
    /// <param name="logger">Where every partition's sink reports (failed writes and fsyncs, a dead writer, files completed and recovered); default none.</param>
    public ParquetOutput(string root, long rotateBytes = 50L << 20, Storage? storage = null, TimeProvider? clock = null, ParquetProfile profile = ParquetProfile.Compatible, ILogger? logger = null)
    {
        _root = root;
        _logger = logger ?? NullLogger.Instance;
        _profile = profile;
        _rotateBytes = rotateBytes;
        _storage = storage ?? Storage.Default;
        _clock = clock ?? TimeProvider.System;
        (RecoveredFiles, RecoveryProblems) = RecoverLeftovers(root, _storage);
    }

    /// <summary>Files a crash left in progress in any partition, recovered (cut back to their last whole row group) and renamed when this output opened.</summary>
    public IReadOnlyList<string> RecoveredFiles { get; }

    /// <summary>Leftovers that could not be recovered when this output opened (set aside, or left for the next start when the disk failed to read them).</summary>
    public IReadOnlyList<string> RecoveryProblems { get; }

    /// <summary>
    /// Every partition's files in progress are recovered at start, not when the partition next gets a row: yesterday's
    /// date or a source that went quiet would otherwise keep its durable rows out of the dataset for ever.
    /// </summary>
    private static (List<string> Recovered, List<string> Problems) RecoverLeftovers(string root, Storage storage)
    {
        var recovered = new List<string>();
        var problems = new List<string>();
        if (!Directory.Exists(root))
        {
            return (recovered, problems);
        }

        foreach (string source in Directory.EnumerateDirectories(root, "source=*"))
        {
            foreach (string date in Directory.EnumerateDirectories(source, "date=*"))
            {
                if (!Directory.EnumerateFiles(date, "*" + ParquetRecovery.InProgressSuffix + "*").Any())
                {
                    continue;
                }

                recovered.AddRange(LogSink.RecoverLeftovers(date, storage, out IReadOnlyList<string> found));
                problems.AddRange(found);
            }
        }

        return (recovered, problems);
    }

    /// <summary>The row layout: time as TIMESTAMP(MICROS, UTC), then five integers (offset and value unsigned 16-bit).</summary>
    public static RecordLayout Layout { get; } = new(
        RecordField.Timestamp("time", TimeUnit.Micros),
        RecordField.Int32("source_type", logicalType: LogicalType.Integer(8, false)),
        RecordField.Int32("source_id"),
        RecordField.Int32("seq"),
        RecordField.Int32("offset", logicalType: LogicalType.Integer(16, false)),
        RecordField.Int32("value", logicalType: LogicalType.Integer(16, false)));

    /// <summary>Files of a partition rotate past this many bytes.</summary>
    public long RotateBytes => _rotateBytes;

    /// <summary>
    /// Partitions open at once (each a ring of <see cref="RingBytes"/> and the column buffers of a row group, served by
    /// one of the <see cref="WriterThreads"/>). A row for a partition past it first finishes the file of the least recently written partition without a
    /// writer inside it; a later row for that one opens it again as its next part file. Default 128.
    /// </summary>
    public int MaxOpenPartitions { get; init; } = 128;

    /// <summary>
    /// Writer threads shared by every open partition's sink (each partition is served by one of them), instead of a
    /// thread per partition: a thousand sources cost a few threads. More threads overlap more row-group writes (fsyncs
    /// on a slow card, encoding on several cores). Default 2.
    /// </summary>
    public int WriterThreads { get; init; } = 2;

    /// <summary>
    /// Bytes of each open partition's ring (a power of two, at least 4 KiB): what a partition buffers between its
    /// writer's passes; a producer that finds it full waits (backpressure). Null (the default): the
    /// <see cref="RingBudgetBytes"/> shared by the <see cref="MaxOpenPartitions"/>, as a power of two from 16 to 256 KiB.
    /// </summary>
    public int? RingBytes { get; init; }

    /// <summary>
    /// The memory the rings of all open partitions may take together when <see cref="RingBytes"/> is not set: with the
    /// default 32 MiB, 128 partitions get 256 KiB each, a thousand get 32 KiB (each of a thousand sources sends a
    /// thousandth of the traffic).
    /// </summary>
    public long RingBudgetBytes { get; init; } = 32L << 20;

    /// <summary>
    /// The memory the rows waiting for their row group may take in all open partitions together: past it, a partition
    /// holding more than its share writes them as a row group at once (see <see cref="SinkWriterPool.BufferBudgetBytes"/>).
    /// A row takes about 4 bytes while it waits (a packet's time, source and sequence are kept once). Default 64 MiB:
    /// 128 busy partitions still fill whole row groups, a thousand get row groups of about 16,000 rows in a burst.
    /// </summary>
    public long RowBufferBudgetBytes { get; init; } = 64L << 20;

    /// <summary>The ring size each partition opens with (<see cref="RingBytes"/>, or its share of <see cref="RingBudgetBytes"/>).</summary>
    public int PartitionRingBytes =>
        RingBytes ?? 1 << System.Numerics.BitOperations.Log2((ulong)Math.Clamp(RingBudgetBytes / Math.Max(1, MaxOpenPartitions), 16L << 10, 256L << 10));

    /// <summary>
    /// A partition's file is finished once it has been open this long (checked by <see cref="CloseIdle"/>), and the
    /// partition's next row starts a new one: hourly files by default, never a file open for days.
    /// </summary>
    public TimeSpan MaxFileAge { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A partition with fewer than <see cref="QuietRowGroupRows"/> rows waiting is quiet: the periodic flush
    /// (<see cref="Flush(bool)"/> with <c>quiet</c> true) leaves its rows in memory until the oldest of them is this old,
    /// so it gets a row group a minute instead of one per flush. The raw log, fsynced at every flush, holds those rows
    /// meanwhile. Default 1 minute.
    /// </summary>
    public TimeSpan QuietRowGroupTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Rows waiting below which a partition counts as quiet (see <see cref="QuietRowGroupTimeout"/>). Default 4,096.</summary>
    public int QuietRowGroupRows { get; init; } = 4096;

    /// <summary>Rows in a row group a flush or a finished file made durable (fsynced), since this output opened.</summary>
    public long DurableRows => Interlocked.Read(ref _durableRows);

    /// <summary>Partitions whose file was finished to make room under <see cref="MaxOpenPartitions"/>.</summary>
    public long PartitionsEvicted => Interlocked.Read(ref _evicted);

    /// <summary>Partitions whose file was finished because nobody wrote to them for the idle time.</summary>
    public long PartitionsClosedIdle => Interlocked.Read(ref _closedIdle);

    /// <summary>Partitions whose file was finished because it reached <see cref="MaxFileAge"/>.</summary>
    public long PartitionsClosedForAge => Interlocked.Read(ref _closedForAge);

    /// <summary>Why the last partition closed to make room lost rows (null when none did); the rows count in <see cref="Lost"/>.</summary>
    public string? LastCloseError => Volatile.Read(ref _lastCloseError);

    /// <summary>Rows handed to the sinks.</summary>
    public long Rows => Interlocked.Read(ref _rows);

    /// <summary>Logs one row per register of a DIFF or FULL packet under its own date; other commands write nothing.</summary>
    public void Write(RackPacket packet) => Write(packet, packet.TimestampUs);

    /// <summary>
    /// Logs one row per register of a DIFF or FULL packet (each with the packet's time) under the date partition of
    /// <paramref name="partitionTimeUs"/>, handed to the partition's sink as one column batch; other commands write nothing.
    /// </summary>
    public void Write(RackPacket packet, long partitionTimeUs)
    {
        if (packet.Command is not (PacketCommand.Diff or PacketCommand.Full) || packet.Count == 0)
        {
            return;
        }

        var source = new SourceKey(packet.SourceType, packet.SourceId);
        Partition partition = Enter(source, DateOf(partitionTimeUs));
        try
        {
            // One column batch, one ring entry, for the whole packet: no row per register on this thread.
            LogSink sink = partition.Sink!;
            PacketColumns columns = PacketColumns.Of(packet);
            LogResult result = sink.TryLogColumns(packet.Count, columns);
            if (result != LogResult.Ok)
            {
                throw new IOException($"Parquet output for {source} failed: {result} ({sink.Statistics.LastError})");
            }
        }
        finally
        {
            long now = _clock.GetTimestamp();
            lock (partition)
            {
                if (partition.Pending == 0)
                {
                    partition.PendingSince = now;
                }

                partition.Pending += packet.Count;
            }

            partition.LastWrite = now;
            partition.Exit();
        }

        Interlocked.Add(ref _rows, packet.Count);
    }

    /// <summary>
    /// Completes when the partition a DIFF or FULL <paramref name="packet"/> goes to (by <paramref name="partitionTimeUs"/>)
    /// has room in its sink's ring, at once when it is not open (opening it makes an empty ring) or the packet writes
    /// nothing. A connection awaits this before <see cref="Write(RackPacket, long)"/>, so backpressure stops it reading
    /// its socket instead of spinning a thread inside Write. Throws <see cref="IOException"/> when the partition's writer
    /// thread died: its producers fail at once rather than wait for ever.
    /// </summary>
    public ValueTask WaitForRoomAsync(RackPacket packet, long partitionTimeUs, CancellationToken cancellationToken = default)
    {
        if (packet.Command is not (PacketCommand.Diff or PacketCommand.Full) || packet.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        // No lock: a partition being opened has an empty ring, one closed meanwhile throws ObjectDisposedException below.
        if (!_partitions.TryGetValue((new SourceKey(packet.SourceType, packet.SourceId), DateOf(partitionTimeUs)), out Partition? partition)
            || Volatile.Read(ref partition.Sink) is not { } sink)
        {
            return ValueTask.CompletedTask;
        }

        ValueTask room = sink.WaitForRoomAsync(cancellationToken);
        return room.IsCompletedSuccessfully ? ValueTask.CompletedTask : Awaited(room);

        static async ValueTask Awaited(ValueTask room)
        {
            try
            {
                await room.ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                // Closed (idle, evicted) meanwhile: the packet's Write opens the partition again, with an empty ring.
            }
        }
    }

    /// <summary>The UTC date a partition time (microseconds since the Unix epoch, clamped to what a date holds) falls on.</summary>
    private static DateOnly DateOf(long timeUs) =>
        DateOnly.FromDateTime(DateTime.UnixEpoch.AddTicks(Math.Clamp(timeUs, 0, 2_534_023_007_999_999_999L / 10) * 10));

    /// <summary>Rows the sinks dropped (none while producers wait on full rings; counted in case a sink fails).</summary>
    public long Dropped => Counted(s => s.Dropped, ref _droppedClosed);

    /// <summary>Rows the sinks accepted but lost to a write error (a full disk, say); see the sinks' last errors in the log.</summary>
    public long Lost => Counted(s => s.Lost, ref _lostClosed);

    /// <summary>Partitions with an open sink (a writer thread and a file in progress each).</summary>
    public int OpenPartitions
    {
        get
        {
            lock (_lock)
            {
                return _open;
            }
        }
    }

    /// <summary>
    /// Completes the files of partitions nobody has written to for <paramref name="idle"/> and of those whose file has
    /// been open for <see cref="MaxFileAge"/>, and stops their writer threads (yesterday's date partitions, sources that
    /// went quiet, hourly files); a later row for one opens it again, numbering its files after the ones already there.
    /// Returns the partitions closed.
    /// </summary>
    public int CloseIdle(TimeSpan idle)
    {
        long now = _clock.GetTimestamp();
        long cutoff = now - (long)(idle.TotalSeconds * _clock.TimestampFrequency);
        long ageCutoff = now - (long)(MaxFileAge.TotalSeconds * _clock.TimestampFrequency);
        var closing = new List<((SourceKey Source, DateOnly Date) Key, Partition Partition)>();
        int forAge = 0;
        lock (_lock)
        {
            foreach (KeyValuePair<(SourceKey Source, DateOnly Date), Partition> entry in _partitions)
            {
                bool idleNow = Volatile.Read(ref entry.Value.LastWrite) <= cutoff;
                bool tooOld = !idleNow && entry.Value.Opened <= ageCutoff;

                // Retired only with no writer inside, and then no writer gets in: it leaves the map in this same step.
                if ((idleNow || tooOld) && entry.Value.TryRetire())
                {
                    closing.Add((entry.Key, entry.Value));
                    forAge += tooOld ? 1 : 0;
                }
            }

            foreach (((SourceKey Source, DateOnly Date) key, Partition partition) in closing)
            {
                Retire(key, partition);
            }
        }

        Interlocked.Add(ref _closedIdle, closing.Count - forAge);
        Interlocked.Add(ref _closedForAge, forAge);
        var failures = new List<string>();
        foreach (((SourceKey Source, DateOnly Date) key, Partition partition) in closing)
        {
            Close(key, partition, failures);
        }

        if (failures.Count > 0)
        {
            throw new IOException("closing idle Parquet partitions lost rows: " + string.Join("; ", failures));
        }

        return closing.Count;
    }

    /// <summary>Finishes the file of a partition already moved to the closing set and stops its writer thread; what it lost goes to <paramref name="failures"/>.</summary>
    private void Close((SourceKey Source, DateOnly Date) key, Partition partition, List<string> failures)
    {
        try
        {
            LogSink sink = partition.Sink!; // retired partitions were opened: one being opened has its opener inside
            long pending;
            lock (partition)
            {
                pending = partition.Pending;
                partition.Pending = 0;
            }

            bool complete = true;
            try
            {
                sink.Flush(); // throws when rows were lost to a write error since the last flush
            }
            catch (IOException e)
            {
                complete = false;
                failures.Add($"{key.Source} {key.Date:yyyy-MM-dd}: {e.Message}");
            }

            long lostBefore = sink.Statistics.Lost;
            sink.Dispose();
            LogSinkStatistics stats = sink.Statistics;
            if (stats.Lost > lostBefore)
            {
                complete = false;
                failures.Add($"{key.Source} {key.Date:yyyy-MM-dd}: {stats.Lost - lostBefore} rows lost completing the file ({stats.LastError})");
            }

            if (complete)
            {
                Interlocked.Add(ref _durableRows, pending);
            }
        }
        finally
        {
            // Moved from the closing set to the closed counters in one step, so the counters never go down.
            lock (_lock)
            {
                _closing.Remove(key);
                LogSinkStatistics final = partition.Sink!.Statistics;
                _droppedClosed += final.Dropped;
                _lostClosed += final.Lost;
            }

            partition.Closed.Set();
        }
    }

    /// <summary>Makes every row written so far durable in its partition's file (a partition being closed meanwhile is waited for).</summary>
    public void Flush() => Flush(quiet: false);

    /// <summary>
    /// Makes the rows written so far durable in their partitions' files; with <paramref name="quiet"/>, the rows of a
    /// quiet partition (see <see cref="QuietRowGroupTimeout"/>) wait until they are old enough. A partition with no row
    /// since its last flush is left alone: no empty row group, no fsync. Throws <see cref="IOException"/> when a sink
    /// failed to write (after trying every partition).
    /// </summary>
    public void Flush(bool quiet)
    {
        foreach (Partition closing in Closing())
        {
            closing.Closed.Wait();
        }

        long now = _clock.GetTimestamp();
        long quietCutoff = now - (long)(QuietRowGroupTimeout.TotalSeconds * _clock.TimestampFrequency);
        IOException? failure = null;
        foreach (Partition partition in Snapshot())
        {
            long pending;
            lock (partition)
            {
                if (partition.Pending == 0 || (quiet && partition.Pending < QuietRowGroupRows && partition.PendingSince > quietCutoff))
                {
                    continue;
                }

                pending = partition.Pending;
                partition.Pending = 0;
            }

            try
            {
                partition.Sink!.Flush(); // rows pending: opened
                Interlocked.Add(ref _durableRows, pending);
            }
            catch (ObjectDisposedException)
            {
                // Closed as idle meanwhile, after its own flush: its files are complete.
                Interlocked.Add(ref _durableRows, pending);
            }
            catch (IOException e)
            {
                failure ??= e;
            }
        }

        if (failure is not null)
        {
            throw failure;
        }
    }

    /// <summary>
    /// The partition's sink, opened if need be, with this caller counted as its writer until <see cref="Write"/> is
    /// done. An open partition is found without a lock. Opening one (a directory scan for its next file's number, the
    /// sink's start) runs outside the map's lock, so frames for every other partition go on meanwhile; frames for the
    /// partition being opened wait for it.
    /// </summary>
    private Partition Enter(SourceKey source, DateOnly date)
    {
        var key = (source, date);
        while (true)
        {
            if (_partitions.TryGetValue(key, out Partition? found) && found.TryEnter())
            {
                return found.WaitOpened();
            }

            Partition? closing = null;
            Partition? entered = null;
            bool creating = false;
            ((SourceKey Source, DateOnly Date) Key, Partition Partition)? evicted = null;
            SinkWriterPool writers;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);

                // Retiring takes the partition out of the map under this lock, so one found here takes a writer.
                if (_partitions.TryGetValue(key, out Partition? open) && open.TryEnter())
                {
                    entered = open;
                }
                else if (!_closing.TryGetValue(key, out closing))
                {
                    if (_open >= MaxOpenPartitions)
                    {
                        evicted = RetireLeastRecentlyWritten();
                    }

                    entered = new Partition(_clock.GetTimestamp());
                    entered.TryEnter();
                    _partitions.TryAdd(key, entered);
                    _open++;
                    creating = true;
                }

                writers = _writers ??= new SinkWriterPool(WriterThreads, TimeSpan.FromMilliseconds(20)) { BufferBudgetBytes = RowBufferBudgetBytes };
            }

            if (entered is null)
            {
                // Its sink is still completing its file: a new sink in the same directory must not start before (it
                // would take the file in progress for a crash's leftover).
                closing!.Closed.Wait();
                continue;
            }

            if (creating)
            {
                OpenSink(key, entered, writers);
            }

            if (evicted is { } e)
            {
                // Finished on this writer's thread, outside the map's lock: the frame that needs the room waits for
                // it (backpressure on its connection), other partitions go on. Rows it loses count in Lost.
                Interlocked.Increment(ref _evicted);
                var failures = new List<string>();
                Close(e.Key, e.Partition, failures);
                if (failures.Count > 0)
                {
                    Volatile.Write(ref _lastCloseError, string.Join("; ", failures));
                }
            }

            return entered.WaitOpened();
        }
    }

    /// <summary>Starts the sink of a partition just put in the map; when that fails, takes it out again so that the next frame tries afresh.</summary>
    private void OpenSink((SourceKey Source, DateOnly Date) key, Partition partition, SinkWriterPool writers)
    {
        try
        {
            partition.Started(Open(key.Source, key.Date, writers));
        }
        catch (Exception e)
        {
            lock (_lock)
            {
                _partitions.TryRemove(key, out _);
                _open--;
            }

            partition.Failed(e);
        }
    }

    /// <summary>Moves a retired partition from the open map to the closing set (under the map's lock).</summary>
    private void Retire((SourceKey Source, DateOnly Date) key, Partition partition)
    {
        _partitions.TryRemove(key, out _);
        _open--;
        _closing.Add(key, partition);
    }

    /// <summary>
    /// Retires the open partition written to longest ago with no writer inside it and moves it to the closing set, or
    /// returns null when every one has a writer (under the map's lock).
    /// </summary>
    private ((SourceKey Source, DateOnly Date) Key, Partition Partition)? RetireLeastRecentlyWritten()
    {
        while (true)
        {
            ((SourceKey Source, DateOnly Date) Key, Partition Partition)? oldest = null;
            foreach (KeyValuePair<(SourceKey Source, DateOnly Date), Partition> entry in _partitions)
            {
                if (Volatile.Read(ref entry.Value.Writers) == 0
                    && (oldest is null || Volatile.Read(ref entry.Value.LastWrite) < Volatile.Read(ref oldest.Value.Partition.LastWrite)))
                {
                    oldest = (entry.Key, entry.Value);
                }
            }

            if (oldest is not { } o)
            {
                return null;
            }

            // A writer may have entered it since it was read idle (entering takes no lock): then look again.
            if (o.Partition.TryRetire())
            {
                Retire(o.Key, o.Partition);
                return o;
            }
        }
    }

    /// <summary>Starts the sink of a partition (outside the map's lock: it scans the directory for the next file's number).</summary>
    private LogSink Open(SourceKey source, DateOnly date, SinkWriterPool writers)
    {
        string directory = Path.Combine(
            _root,
            $"source={source.Type.ToString().ToUpperInvariant()}-{source.Id.ToString(CultureInfo.InvariantCulture)}",
            $"date={date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}");
        return new LogSink(Layout, new LogSinkOptions
        {
            FilePattern = Path.Combine(directory, "part-{seq}-{utc}.parquet"),
            Profile = _profile,
            MultiProducer = true,
            FullMode = RingFullMode.Wait,
            RingCapacityBytes = PartitionRingBytes,

            // Many partitions share a few writer threads; one whose sinks are all quiet sleeps up to 20 ms (a producer
            // that finds its ring full wakes it), instead of waking a thousand times a second.
            WriterPool = writers,
            MaxBytesPerFile = _rotateBytes,

            // A busy partition fills row groups of RowGroupRows; a quiet one writes one when its oldest row is this old
            // (or when a flush asks), not one a second.
            RowGroupTimeout = QuietRowGroupTimeout,

            // Retention removes date directories it emptied, and an open partition's stays empty until its first file.
            CreateMissingDirectory = true,
            Storage = _storage,
            TimeProvider = _clock,
            Logger = _logger,
        });
    }

    private Partition[] Snapshot()
    {
        lock (_lock)
        {
            return [.. _partitions.Values];
        }
    }

    private Partition[] Closing()
    {
        lock (_lock)
        {
            return [.. _closing.Values];
        }
    }

    /// <summary>A counter over closed, closing and open sinks, read under the lock so that it never goes down.</summary>
    private long Counted(Func<LogSinkStatistics, long> counter, ref long closed)
    {
        lock (_lock)
        {
            return closed + _partitions.Values.Concat(_closing.Values).Sum(p => Volatile.Read(ref p.Sink) is { } sink ? counter(sink.Statistics) : 0);
        }
    }

    /// <summary>Drains every sink and completes its files; later writes throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        foreach (Partition closing in Closing())
        {
            closing.Closed.Wait();
        }

        foreach (Partition partition in Snapshot())
        {
            // One still being opened is waited for; one whose opening failed has no sink to finish.
            if (partition.WaitSettled() is not { } sink)
            {
                continue;
            }

            long lostBefore = sink.Statistics.Lost;
            sink.Dispose();
            if (sink.Statistics.Lost == lostBefore)
            {
                lock (partition)
                {
                    Interlocked.Add(ref _durableRows, partition.Pending);
                    partition.Pending = 0;
                }
            }
        }

        _writers?.Dispose();
    }

    /// <summary>
    /// An open partition: its sink (null while it is being opened), its writers, and what the flushes need. Writers
    /// enter without a lock; <see cref="TryRetire"/> succeeds only with none inside and then lets none in.
    /// </summary>
    private sealed class Partition(long opened)
    {
        private const int RetiredMark = int.MinValue;
        private readonly ManualResetEventSlim _settled = new(false);
        private Exception? _openFailure;

        public LogSink? Sink;
        public readonly ManualResetEventSlim Closed = new(false);
        public readonly long Opened = opened;

        /// <summary>Writers inside (negative once retired).</summary>
        public int Writers;
        public long LastWrite = opened;

        /// <summary>Rows written since the last flush, and when the first of them was (both under the partition's lock).</summary>
        public long Pending;
        public long PendingSince;

        /// <summary>Counts one more writer unless the partition was retired.</summary>
        public bool TryEnter()
        {
            int writers = Volatile.Read(ref Writers);
            while (writers >= 0)
            {
                int seen = Interlocked.CompareExchange(ref Writers, writers + 1, writers);
                if (seen == writers)
                {
                    return true;
                }

                writers = seen;
            }

            return false;
        }

        public void Exit() => Interlocked.Decrement(ref Writers);

        /// <summary>Marks the partition retired if no writer is inside: no writer enters it after.</summary>
        public bool TryRetire() => Interlocked.CompareExchange(ref Writers, RetiredMark, 0) == 0;

        public void Started(LogSink sink)
        {
            Volatile.Write(ref Sink, sink);
            _settled.Set();
        }

        public void Failed(Exception failure)
        {
            _openFailure = failure;
            _settled.Set();
        }

        /// <summary>This partition once its sink started (a writer entered); a failed start leaves it and rethrows the failure.</summary>
        public Partition WaitOpened()
        {
            _settled.Wait();
            if (_openFailure is not null)
            {
                Exit();
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_openFailure);
            }

            return this;
        }

        /// <summary>The sink once its start settled, or null when it failed.</summary>
        public LogSink? WaitSettled()
        {
            _settled.Wait();
            return Sink;
        }
    }
}
