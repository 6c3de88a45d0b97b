using System.Globalization;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Images;
using ParquetFlow.Durability;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;

namespace ParquetFlow.Collector.Output;

/// <summary>
/// Turns accepted DIFF and FULL packets into rows <c>(time, source_type, source_id, seq, offset, value)</c> and writes
/// them through one <see cref="LogSink"/> per Hive partition, <c>source=TYPE-ID/date=YYYY-MM-DD/</c>, so DuckDB or
/// Spark read the directory as one dataset. Files rotate at <see cref="RotateBytes"/>. Producers wait rather than
/// drop when a sink's ring is full: TCP backpressure, never a lost row. Thread-safe.
/// </summary>
public sealed class ParquetOutput : IDisposable
{
    private readonly string _root;
    private readonly long _rotateBytes;
    private readonly ParquetProfile _profile;
    private readonly Lock _lock = new();
    private readonly Dictionary<(SourceKey Source, DateOnly Date), Partition> _partitions = [];
    private readonly Dictionary<(SourceKey Source, DateOnly Date), Partition> _closing = [];
    private readonly Storage _storage;
    private readonly TimeProvider _clock;
    private long _rows;
    private long _droppedClosed;
    private long _lostClosed;
    private bool _disposed;

    /// <summary>
    /// Writes partitions under <paramref name="root"/>, rotating files at <paramref name="rotateBytes"/>, through
    /// <paramref name="storage"/> (the file system by default), with <paramref name="clock"/> behind idle times and file
    /// ages, in the writer <paramref name="profile"/> (Compatible by default: files every reader reads).
    /// </summary>
    public ParquetOutput(string root, long rotateBytes = 50L << 20, Storage? storage = null, TimeProvider? clock = null, ParquetProfile profile = ParquetProfile.Compatible)
    {
        _root = root;
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

    /// <summary>Rows handed to the sinks.</summary>
    public long Rows => Interlocked.Read(ref _rows);

    /// <summary>Logs one row per register of a DIFF or FULL packet under its own date; other commands write nothing.</summary>
    public void Write(RackPacket packet) => Write(packet, packet.TimestampUs);

    /// <summary>
    /// Logs one row per register of a DIFF or FULL packet (each with the packet's time) under the date partition of
    /// <paramref name="partitionTimeUs"/>; other commands write nothing.
    /// </summary>
    public void Write(RackPacket packet, long partitionTimeUs)
    {
        if (packet.Command is not (PacketCommand.Diff or PacketCommand.Full) || packet.Count == 0)
        {
            return;
        }

        var source = new SourceKey(packet.SourceType, packet.SourceId);
        DateOnly date = DateOnly.FromDateTime(DateTime.UnixEpoch.AddTicks(Math.Clamp(partitionTimeUs, 0, 2_534_023_007_999_999_999L / 10) * 10));
        Partition partition = Enter(source, date);
        try
        {
            LogSink sink = partition.Sink;
            ReadOnlySpan<ushort> control = packet.Control;
            ReadOnlySpan<ushort> data = packet.Data;
            for (int i = 0; i < control.Length; i++)
            {
                var row = new RegisterRow(packet.TimestampUs, (int)packet.SourceType, packet.SourceId, packet.Sequence, control[i], data[i]);
                LogResult result = sink.TryLog(in row);
                if (result != LogResult.Ok)
                {
                    throw new IOException($"Parquet output for {source} failed: {result} ({sink.Statistics.LastError})");
                }
            }
        }
        finally
        {
            partition.LastWrite = _clock.GetTimestamp();
            Interlocked.Decrement(ref partition.Writers);
        }

        Interlocked.Add(ref _rows, packet.Count);
    }

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
                return _partitions.Count;
            }
        }
    }

    /// <summary>
    /// Completes the files of partitions nobody has written to for <paramref name="idle"/> and stops their writer
    /// threads (yesterday's date partitions, sources that went quiet); a later row for one opens it again, numbering
    /// its files after the ones already there. Returns the partitions closed.
    /// </summary>
    public int CloseIdle(TimeSpan idle)
    {
        long cutoff = _clock.GetTimestamp() - (long)(idle.TotalSeconds * _clock.TimestampFrequency);
        var closing = new List<((SourceKey Source, DateOnly Date) Key, Partition Partition)>();
        lock (_lock)
        {
            foreach (KeyValuePair<(SourceKey Source, DateOnly Date), Partition> entry in _partitions)
            {
                // Writers enter under this lock, so a partition with none now gets none before it is gone from the map.
                if (Volatile.Read(ref entry.Value.Writers) == 0 && Volatile.Read(ref entry.Value.LastWrite) <= cutoff)
                {
                    closing.Add((entry.Key, entry.Value));
                }
            }

            foreach (((SourceKey Source, DateOnly Date) key, Partition partition) in closing)
            {
                _partitions.Remove(key);
                _closing.Add(key, partition);
            }
        }

        var failures = new List<string>();
        foreach (((SourceKey Source, DateOnly Date) key, Partition partition) in closing)
        {
            try
            {
                LogSink sink = partition.Sink;
                try
                {
                    sink.Flush(); // throws when rows were lost to a write error since the last flush
                }
                catch (IOException e)
                {
                    failures.Add($"{key.Source} {key.Date:yyyy-MM-dd}: {e.Message}");
                }

                long lostBefore = sink.Statistics.Lost;
                sink.Dispose();
                LogSinkStatistics stats = sink.Statistics;
                if (stats.Lost > lostBefore)
                {
                    failures.Add($"{key.Source} {key.Date:yyyy-MM-dd}: {stats.Lost - lostBefore} rows lost completing the file ({stats.LastError})");
                }

            }
            finally
            {
                // Moved from the closing set to the closed counters in one step, so the counters never go down.
                lock (_lock)
                {
                    _closing.Remove(key);
                    LogSinkStatistics final = partition.Sink.Statistics;
                    _droppedClosed += final.Dropped;
                    _lostClosed += final.Lost;
                }

                partition.Closed.Set();
            }
        }

        if (failures.Count > 0)
        {
            throw new IOException("closing idle Parquet partitions lost rows: " + string.Join("; ", failures));
        }

        return closing.Count;
    }

    /// <summary>Makes every row written so far durable in its partition's file (a partition being closed meanwhile is waited for).</summary>
    public void Flush()
    {
        foreach (Partition closing in Closing())
        {
            closing.Closed.Wait();
        }

        foreach (LogSink sink in Sinks())
        {
            try
            {
                sink.Flush();
            }
            catch (ObjectDisposedException)
            {
                // Closed as idle meanwhile, after its own flush: its files are complete.
            }
        }
    }

    /// <summary>The partition's sink, opened if need be, with this caller counted as its writer until <see cref="Write"/> is done.</summary>
    private Partition Enter(SourceKey source, DateOnly date)
    {
        while (true)
        {
            Partition? closing;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_partitions.TryGetValue((source, date), out Partition? open))
                {
                    Interlocked.Increment(ref open.Writers);
                    return open;
                }

                if (!_closing.TryGetValue((source, date), out closing))
                {
                    Partition created = Open(source, date);
                    _partitions.Add((source, date), created);
                    Interlocked.Increment(ref created.Writers);
                    return created;
                }
            }

            // Its sink is still completing its file: a new sink in the same directory must not start before (it would
            // take the file in progress for a crash's leftover).
            closing.Closed.Wait();
        }
    }

    /// <summary>Starts the sink of a partition (under the map's lock).</summary>
    private Partition Open(SourceKey source, DateOnly date)
    {
        string directory = Path.Combine(
            _root,
            $"source={source.Type.ToString().ToUpperInvariant()}-{source.Id.ToString(CultureInfo.InvariantCulture)}",
            $"date={date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}");
        var sink = new LogSink(Layout, new LogSinkOptions
        {
            FilePattern = Path.Combine(directory, "part-{seq}-{utc}.parquet"),
            Profile = _profile,
            MultiProducer = true,
            FullMode = RingFullMode.Wait,
            RingCapacityBytes = 1 << 20,

            // Many partitions share the process: a quiet sink's writer sleeps up to 20 ms (a producer that finds its
            // ring full wakes it), instead of waking a thousand times a second.
            MaxWriterSleep = TimeSpan.FromMilliseconds(20),
            MaxBytesPerFile = _rotateBytes,
            Storage = _storage,
            TimeProvider = _clock,
        });
        return new Partition(sink, _clock.GetTimestamp());
    }

    private LogSink[] Sinks()
    {
        lock (_lock)
        {
            return [.. _partitions.Values.Select(p => p.Sink)];
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
            return closed + _partitions.Values.Concat(_closing.Values).Sum(p => counter(p.Sink.Statistics));
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

        foreach (LogSink sink in Sinks())
        {
            sink.Dispose();
        }
    }

    private sealed class Partition(LogSink sink, long opened)
    {
        public readonly LogSink Sink = sink;
        public readonly ManualResetEventSlim Closed = new(false);
        public int Writers;
        public long LastWrite = opened;
    }
}
