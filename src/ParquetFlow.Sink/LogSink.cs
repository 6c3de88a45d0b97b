using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParquetFlow.Durability;
using ParquetFlow.Parquet;

namespace ParquetFlow.Sink;

/// <summary>
/// A non-blocking log of binary records into rotating Parquet files. Producers call <see cref="TryLog"/> (one thread,
/// or several with <see cref="LogSinkOptions.MultiProducer"/>): the record is validated against the layout and copied
/// into a preallocated ring; the call never allocates, locks, waits (unless <see cref="RingFullMode.Wait"/> is chosen)
/// or calls the OS. One writer thread drains the ring into column buffers and writes a row group when it holds
/// <see cref="LogSinkOptions.RowGroupRows"/> rows or its oldest row reaches <see cref="LogSinkOptions.RowGroupTimeout"/>.
/// Files are written under a temporary name (final name + <c>.inprogress</c>) and renamed when complete; at start-up
/// the sink recovers the files in progress left in its directory by a crash. Every write, fsync and rename goes
/// through <see cref="LogSinkOptions.Storage"/>, every clock through <see cref="LogSinkOptions.TimeProvider"/>, every
/// report to an operator through <see cref="LogSinkOptions.Logger"/>.
/// </summary>
public sealed class LogSink : IDisposable
{
    /// <summary>While producers keep dropping, the writer reports the drops at most this often.</summary>
    private static readonly TimeSpan s_dropReportInterval = TimeSpan.FromSeconds(10);

    private readonly RecordLayout _layout;
    private readonly LogSinkOptions _options;
    private readonly ParquetWriterOptions _writerOptions;
    private readonly RecordRing _ring;
    private readonly SpscRing? _spsc; // the same ring when single-producer: a sealed type, so the hot call is direct and inlined
    private readonly ColumnBatch _batch;
    private readonly FileNamer _namer;
    private readonly Storage _storage;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Thread? _thread; // null when a SinkWriterPool's thread writes
    private readonly SinkWriterPool? _pool;
    private long _reportedBytes; // the batch's buffers as last reported to the pool
    private long _budgetRowGroups; // row groups written early to keep the pool within its buffer budget
    private readonly AutoResetEvent _wake; // this sink's, or the pool thread's that serves it
    private readonly long _busyFill;
    private readonly long _releaseEvery; // slots a drain reads before it hands them back, mid-drain
    private readonly long _quietFill;
    private readonly int _maxIdleWaitMs;
    private int _idleWaitMs = 1;
    private int _limit; // writer only: rows the row group being filled may hold (0 before the first pass)
    private readonly object _gate = new();
    private readonly Lock _roomLock = new();
    private TaskCompletionSource? _roomWaiters; // producers awaiting room (WaitForRoomAsync), under _roomLock
    private DurableParquetFile? _file;
    private string? _finalPath;
    private long _batchStarted;
    private long _flushRequested;
    private long _flushTarget;
    private long _flushCompleted;
    private int _errorsSinceFlush;
    private long _dropsReported; // writer thread only
    private long _dropsReportedAt; // writer thread only: the clock's timestamp of the last report, 0 before the first
    private long _written;
    private long _lost;
    private long _files;
    private long _rowGroups;
    private long _bytesDone;
    private long _bytesCurrent;
    private string? _lastError;
    private volatile string? _writerDied;
    private volatile bool _stopping;
    private volatile bool _stopped;
    private volatile int _paused;
    private readonly List<(string Temporary, string Final, int Journaled)> _abandoned = []; // writer thread only
    private volatile int _pauseAcknowledged;
    private int _disposed;

    /// <summary>Recovers files left in progress by a crash, then starts the writer thread.</summary>
    public LogSink(RecordLayout layout, LogSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.FilePattern);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RowGroupRows, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.WriterCpu ?? 0, nameof(options.WriterCpu));
        _layout = layout;
        _options = options;
        _writerOptions = CreateWriterOptions(layout, options);
        _namer = new FileNamer(options.FilePattern);
        _storage = options.Storage;
        _clock = options.TimeProvider;
        _logger = options.Logger;
        _storage.CreateDirectory(_namer.Directory);
        (RecoveredFiles, RecoveryProblems) = RecoverDirectory(_namer.Directory, _storage, _logger);
        if (RecoveryProblems.Count > 0)
        {
            _lastError = RecoveryProblems[0];
        }

        _spsc = options.MultiProducer ? null : new SpscRing(options.RingCapacityBytes, options.FullMode);
        _ring = _spsc ?? (RecordRing)new MpscRing(options.RingCapacityBytes, options.FullMode);
        _batch = new ColumnBatch(layout, options.RowGroupRows);
        _pool = options.WriterPool;
        if (_pool is not null && options.WriterCpu is not null)
        {
            throw new ArgumentException("a sink written by a SinkWriterPool's thread cannot pin its writer to a CPU (WriterCpu)", nameof(options));
        }

        long slots = options.RingCapacityBytes / RecordRing.SlotSize;
        _busyFill = slots / 8;
        _quietFill = slots / 32;

        // Every few thousand slots, and at least every eighth of a small ring (a collector partition's 256 KiB is 4,096
        // slots), so producers waiting for room refill the ring while a long drain goes on instead of after it.
        _releaseEvery = Math.Min(4096, slots / 8);
        _maxIdleWaitMs = (int)Math.Clamp(options.MaxWriterSleep.TotalMilliseconds, 1, Math.Max(1, options.RowGroupTimeout.TotalMilliseconds / 4));
        if (_pool is null)
        {
            _wake = new AutoResetEvent(false);
            _ring.ConsumerWake = _wake;
            _thread = new Thread(Run) { IsBackground = true, Name = "ParquetFlow LogSink writer" };
            _thread.Start();
        }
        else
        {
            // Last: from here the pool's thread may pass over this sink.
            _wake = _pool.Attach(this);
            _ring.ConsumerWake = _wake;
        }
    }

    /// <summary>The record layout.</summary>
    public RecordLayout Layout => _layout;

    /// <summary>Files in progress found at start-up and recovered (now under their final names).</summary>
    public IReadOnlyList<string> RecoveredFiles { get; }

    /// <summary>
    /// One line per file in progress found at start-up that could not be recovered: damaged ones are set aside as
    /// <c>NAME.unrecoverable</c> (with their journal), ones the disk failed to read are left for the next start.
    /// </summary>
    public IReadOnlyList<string> RecoveryProblems { get; }

    /// <summary>The ring producers write to (the C API hands its addresses to <c>pqflow_log_fast</c>).</summary>
    internal RecordRing Ring => _ring;

    /// <summary>True once the writer is done (disposed and drained, or died).</summary>
    internal bool IsStopped => _stopped;

    /// <summary>The writer's options derived from the sink's (codec, per-column encodings).</summary>
    public ParquetWriterOptions WriterOptions => _writerOptions;

    /// <summary>A snapshot of the counters (any thread); they count rows: a record is one, a column batch as many as it has.</summary>
    public LogSinkStatistics Statistics => new(
        _ring.Logged,
        Volatile.Read(ref _written),
        _ring.Dropped,
        _ring.Invalid,
        Volatile.Read(ref _lost),
        Volatile.Read(ref _files),
        Volatile.Read(ref _rowGroups),
        Volatile.Read(ref _bytesDone) + Volatile.Read(ref _bytesCurrent),
        Volatile.Read(ref _lastError));

    /// <summary>
    /// Copies <paramref name="record"/> into the ring. Returns <see cref="LogResult.Invalid"/> (counted) when it does not
    /// match the layout or is longer than the ring takes (<see cref="RecordRing.MaxRecordLength"/>),
    /// <see cref="LogResult.Full"/> (counted as dropped) when the ring has no room, <see cref="LogResult.Io"/> once the
    /// writer thread has died (nothing would ever write the record; in <see cref="RingFullMode.Wait"/> too, so no producer
    /// waits forever).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public LogResult TryLog(ReadOnlySpan<byte> record)
    {
        if (!_layout.IsValid(record))
        {
            return _ring.CountInvalid();
        }

        SpscRing? spsc = _spsc;
        return spsc is not null ? spsc.TryWrite(record) : _ring.TryWrite(record);
    }

    /// <summary>Logs a blittable struct whose memory is the record (e.g. a <c>[StructLayout(Pack = 1)]</c> struct).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public LogResult TryLog<T>(in T record)
        where T : unmanaged => TryLog(MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in record)));

    /// <summary>
    /// Completes once the ring is at most half full: the wait of a producer that must not block or spin its thread (an
    /// async socket handler, which then stops reading its socket), woken by the writer thread when it has drained.
    /// The room is not reserved: producers racing for it take it in turn, and <see cref="TryLog(ReadOnlySpan{byte})"/>
    /// in <see cref="RingFullMode.Wait"/> waits for any rest. Throws <see cref="IOException"/> once the writer thread
    /// has died (nothing would ever make room), <see cref="ObjectDisposedException"/> once the sink is disposed, and
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public ValueTask WaitForRoomAsync(CancellationToken cancellationToken = default) =>
        _ring.IsAtMostHalfFull ? ValueTask.CompletedTask : WaitForRoomSlowAsync(cancellationToken);

    private async ValueTask WaitForRoomSlowAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource waiter;
            lock (_roomLock)
            {
                waiter = _roomWaiters ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            // Registered before looking again (the lock is a full fence): the writer hands room back, then looks for
            // waiters, so either this sees the room or the writer sees the waiter.
            if (_writerDied is { } died)
            {
                throw new IOException($"the sink's writer thread died; nothing will make room: {died}");
            }

            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_ring.IsAtMostHalfFull)
            {
                return;
            }

            _wake.Set();
            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writer thread, after handing room back (and when it stops or dies): wakes the producers awaiting room once the
    /// ring is at most half full, or at once when <paramref name="always"/>, so they look again (and see the death).
    /// </summary>
    private void SignalRoom(bool always = false)
    {
        Interlocked.MemoryBarrier(); // the head's release before the look at the waiters (see WaitForRoomSlowAsync)
        if (Volatile.Read(ref _roomWaiters) is null || !(always || _ring.IsAtMostHalfFull))
        {
            return;
        }

        TaskCompletionSource? waiters;
        lock (_roomLock)
        {
            waiters = _roomWaiters;
            _roomWaiters = null;
        }

        waiters?.TrySetResult();
    }

    /// <summary>
    /// Logs <paramref name="rows"/> rows given column by column, one <see cref="ColumnValues"/> per field of the layout
    /// in order: a value every row shares, or a span of one value per row, possibly of a narrower type than the field
    /// (<see cref="ColumnValues"/> lists the widenings and their sign or zero extension). No row is built: the columns
    /// go into the ring as one entry (one claim, one compare-and-swap with <see cref="LogSinkOptions.MultiProducer"/>)
    /// in their given types, and the writer thread appends them to its column buffers column by column. Rows follow the
    /// producer's other log calls in order, and count one each in <see cref="LogSinkStatistics"/>.
    /// <para>
    /// Returns <see cref="LogResult.Invalid"/> (its rows counted as invalid, one for a negative row count) when the
    /// layout does not <see cref="RecordLayout.AcceptsColumns"/> (nullable fields, Int96, bytes and strings), when there
    /// is not exactly one column per field, a column is default, of an element type its field does not take, or dense
    /// with other than <paramref name="rows"/> values, or when the ring cannot hold one row beside the entry's
    /// descriptors (16 bytes a column). A batch of no rows is <see cref="LogResult.Ok"/> and logs nothing.
    /// </para>
    /// <para>
    /// A batch larger than the ring takes in one entry (<see cref="RecordRing.MaxRecordLength"/> bytes: 8 + 16 a column
    /// + the dense values) goes in as several entries of consecutive rows, each claimed on its own, so other producers'
    /// rows may come between them. Backpressure is <see cref="TryLog(ReadOnlySpan{byte})"/>'s, entry by entry:
    /// <see cref="RingFullMode.Wait"/> waits for room; <see cref="RingFullMode.Drop"/> returns
    /// <see cref="LogResult.Full"/> and counts as dropped the rows of the entry that did not fit and of every later one
    /// (the earlier entries' rows stay logged; a batch of one entry is all or nothing); a sink whose writer thread died
    /// returns <see cref="LogResult.Io"/>.
    /// </para>
    /// </summary>
    public LogResult TryLogColumns(int rows, ReadOnlySpan<ColumnValues> columns)
    {
        if (!IsValidBatch(rows, columns, out int denseBytesPerRow))
        {
            return _ring.CountInvalid(Math.Max(1, rows));
        }

        if (rows == 0)
        {
            return LogResult.Ok;
        }

        int perEntry = ColumnBatchEntry.RowsPerEntry(_ring.MaxRecordLength, columns.Length, denseBytesPerRow);
        if (perEntry == 0)
        {
            return _ring.CountInvalid(rows);
        }

        for (int first = 0; first < rows; first += perEntry)
        {
            var entry = new ColumnBatchEntry(_layout, columns, first, Math.Min(perEntry, rows - first), denseBytesPerRow);
            LogResult result = _spsc is { } spsc ? spsc.TryWrite(in entry) : _ring.TryWrite(in entry);
            if (result != LogResult.Ok)
            {
                if (result == LogResult.Full && first + entry.Rows < rows)
                {
                    _ring.CountDropped(rows - first - entry.Rows); // the entry's own rows were counted by the ring
                }

                return result;
            }
        }

        return LogResult.Ok;
    }

    /// <summary>Whether the batch is what <see cref="TryLogColumns"/> takes; and the bytes a row of its dense columns takes in an entry.</summary>
    private bool IsValidBatch(int rows, ReadOnlySpan<ColumnValues> columns, out int denseBytesPerRow)
    {
        denseBytesPerRow = 0;
        IReadOnlyList<RecordField> fields = _layout.Fields;
        if (rows < 0 || !_layout.AcceptsColumns || columns.Length != fields.Count)
        {
            return false;
        }

        for (int i = 0; i < columns.Length; i++)
        {
            ColumnValues column = columns[i];
            if (!ColumnValues.Widens(column.Element, fields[i].Kind))
            {
                return false;
            }

            if (!column.IsRepeated)
            {
                if (column.Length != rows)
                {
                    return false;
                }

                denseBytesPerRow += ColumnValues.SizeOf(column.Element);
            }
        }

        return true;
    }

    /// <summary>
    /// Returns once every record logged before the call is in a closed row group fsynced to disk. Throws
    /// <see cref="IOException"/> when a write failed since the previous flush (the records affected are counted as lost).
    /// </summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        long ticket;
        lock (_gate)
        {
            ticket = ++_flushRequested;
            _flushTarget = Math.Max(_flushTarget, _ring.ClaimedPosition);
        }

        _wake.Set();
        lock (_gate)
        {
            while (_flushCompleted < ticket && !_stopped)
            {
                Monitor.Wait(_gate);
            }
        }

        if (_writerDied is { } died)
        {
            // Not only the first flush after the death: nothing will ever drain the ring again.
            throw new IOException($"the sink's writer thread died and nothing logged since is written: {died}");
        }

        if (Interlocked.Exchange(ref _errorsSinceFlush, 0) != 0)
        {
            throw new IOException($"the sink failed to write records: {Volatile.Read(ref _lastError)}");
        }
    }

    /// <summary>Test and benchmark hook: while paused the writer thread drains nothing (producers fill the ring and drop).</summary>
    internal void PauseWriter(bool paused)
    {
        _paused = paused ? 1 : 0;
        _wake.Set();
        var spin = default(SpinWait);
        while (paused && _pauseAcknowledged == 0 && !_stopped)
        {
            spin.SpinOnce();
        }
    }

    /// <summary>Drains everything logged so far, writes it, completes the current file and stops the writer thread.</summary>
    public void Dispose()
    {
        // Once, even when two threads dispose at the same time.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _paused = 0;
        _stopping = true;
        _wake.Set();
        if (_thread is not null)
        {
            _thread.Join();
        }
        else
        {
            lock (_gate)
            {
                while (!_stopped)
                {
                    Monitor.Wait(_gate);
                }
            }
        }

        _ring.Dispose();
        if (_pool is null)
        {
            _wake.Dispose();
        }
    }

    private static ParquetWriterOptions CreateWriterOptions(RecordLayout layout, LogSinkOptions options)
    {
        var columns = new Dictionary<string, ColumnOptions>();
        foreach (RecordField field in layout.Fields)
        {
            ParquetEncoding? encoding = options.Encodings is not null && options.Encodings.TryGetValue(field.Name, out ParquetEncoding chosen)
                ? chosen
                : DefaultEncoding(field);
            if (encoding is not null)
            {
                columns[field.Name] = new ColumnOptions { Encoding = encoding };
            }
        }

        return new ParquetWriterOptions
        {
            Profile = options.Profile,
            Compression = options.Compression,
            CompressionLevel = options.CompressionLevel,
            MaxDegreeOfParallelism = Math.Max(1, options.EncodingThreads),
            KeyValueMetadata = options.KeyValueMetadata,
            Columns = columns,
        };
    }

    /// <summary>
    /// Dictionary for strings; everything else is the writer's automatic choice within the profile (in Compact it
    /// takes delta for monotonic timestamps and counters because their values pay, never because of a name).
    /// </summary>
    internal static ParquetEncoding? DefaultEncoding(RecordField field) => field.Kind switch
    {
        RecordFieldKind.FixedString => ParquetEncoding.RleDictionary,
        RecordFieldKind.ByteArray when field.LogicalType?.Kind == LogicalTypeKind.String => ParquetEncoding.RleDictionary,
        _ => null,
    };

    /// <summary>
    /// Recovers every <c>*.inprogress</c> file in <paramref name="directory"/> and renames it to its final name, as a
    /// sink does at start; for owners of many sink directories (the collector's partitions) that must not wait for a
    /// sink to open in each. A leftover that cannot be recovered never stops a start: a damaged one is set aside under
    /// <c>NAME.unrecoverable</c>, one the disk cannot read now is left for the next start; each is reported in
    /// <paramref name="problems"/>. Returns the final names of the files recovered. Never run it on a directory whose
    /// sink is open.
    /// </summary>
    public static IReadOnlyList<string> RecoverLeftovers(string directory, Storage? storage, out IReadOnlyList<string> problems)
    {
        (List<string> recovered, List<string> found) = RecoverDirectory(directory, storage ?? Storage.Default, NullLogger.Instance);
        problems = found;
        return recovered;
    }

    private static (List<string> Recovered, List<string> Problems) RecoverDirectory(string directory, Storage storage, ILogger logger)
    {
        var recovered = new List<string>();
        var problems = new List<string>();
        foreach (string path in System.IO.Directory.EnumerateFiles(directory, "*" + ParquetRecovery.InProgressSuffix))
        {
            string final = path[..^ParquetRecovery.InProgressSuffix.Length];
            try
            {
                RecoveryResult result = ParquetRecovery.Recover(path, storage);

                // Guarantee: the final name is on disk when the sink reports the file recovered.
                storage.MoveDurably(path, final, overwrite: false);
                recovered.Add(final);
                Log.FileRecovered(logger, final, result.RowGroups, result.Rows, result.BytesDiscarded);
            }
            catch (Exception e) when (e is InvalidDataException or ParquetFormatException or Parquet.Schema.SchemaException)
            {
                problems.Add(SetAside(path, storage, e.Message, logger));
            }
            catch (IOException e)
            {
                Log.RecoveryDeferred(logger, path, e.Message);
                problems.Add($"{path}: not recovered now, the disk failed ({e.Message}); left for the next start");
            }
        }

        // A journal whose data file is gone belongs to a file completed just before a crash.
        foreach (string journal in System.IO.Directory.EnumerateFiles(directory, "*" + ParquetRecovery.InProgressSuffix + ".journal"))
        {
            if (!File.Exists(journal[..^".journal".Length]))
            {
                try
                {
                    storage.Delete(journal);
                }
                catch (IOException e)
                {
                    Log.WriteFailed(logger, "deleting the leftover journal", journal, e.Message);
                    problems.Add($"{journal}: cannot delete this leftover journal ({e.Message})");
                }
            }
        }

        return (recovered, problems);
    }

    /// <summary>Renames a damaged leftover (and its journal) out of the way, so it is kept for a person to look at and never blocks a start.</summary>
    private static string SetAside(string path, Storage storage, string reason, ILogger logger)
    {
        string aside = path + ".unrecoverable";
        try
        {
            string journal = DurableParquetFile.JournalPath(path);
            if (File.Exists(journal))
            {
                storage.Move(journal, aside + ".journal", overwrite: true);
            }

            storage.MoveDurably(path, aside, overwrite: true);
            Log.FileSetAside(logger, path, reason, aside);
            return $"{path}: cannot be recovered ({reason}); set aside as {aside}";
        }
        catch (IOException e)
        {
            Log.FileNotSetAside(logger, path, reason, e.Message);
            return $"{path}: cannot be recovered ({reason}) nor set aside ({e.Message})";
        }
    }

    private void Run()
    {
        try
        {
            if (_options.WriterCpu is int cpu && !ThreadAffinity.TryPinCurrentThread(cpu))
            {
                Log.WriterUnpinned(_logger, _options.FilePattern, cpu);
                Volatile.Write(ref _lastError, $"could not pin the writer thread to CPU {cpu}; it runs unpinned");
            }

            _limit = RowLimit();
            while (true)
            {
                WriterPass pass = Pass();
                if (pass == WriterPass.Stopped)
                {
                    return;
                }

                if (pass == WriterPass.Waiting)
                {
                    Thread.Yield();
                }
                else if (pass == WriterPass.Idle)
                {
                    IdleWait();
                }
            }
        }
        catch (Exception e)
        {
            Die(e);
        }
        finally
        {
            Stopped();
        }
    }

    /// <summary>
    /// A pool thread's turn (<see cref="SinkWriterPool"/>): one writer pass, with the dedicated thread's failure handling;
    /// <see cref="WriterPass.Stopped"/> once the sink is done (disposed and drained, or its writer died), when the pool
    /// forgets it.
    /// </summary>
    internal WriterPass PoolPass()
    {
        try
        {
            if (_limit == 0)
            {
                _limit = RowLimit();
            }

            WriterPass pass = Pass();
            if (pass == WriterPass.Stopped)
            {
                LeavePool();
                Stopped();
                return pass;
            }

            KeepWithinBudget();
            return pass;
        }
        catch (Exception e)
        {
            Die(e);
            LeavePool();
            Stopped();
            return WriterPass.Stopped;
        }
    }

    /// <summary>Row groups this sink wrote before they were full to keep its pool within <see cref="SinkWriterPool.BufferBudgetBytes"/>.</summary>
    internal long RowGroupsForBudget => Interlocked.Read(ref _budgetRowGroups);

    /// <summary>
    /// Reports the batch's buffers to the pool, and when the pool's sinks hold more than its budget and this one more
    /// than its share, writes the rows as a row group now and lets the buffers go (<see cref="SinkWriterPool.BufferBudgetBytes"/>).
    /// </summary>
    private void KeepWithinBudget()
    {
        long bytes = _batch.AllocatedBytes;
        if (bytes != _reportedBytes)
        {
            _pool!.AddBuffered(bytes - _reportedBytes);
            _reportedBytes = bytes;
        }

        if (_batch.Rows > 0 && _pool!.OverShare(bytes))
        {
            WriteRowGroup();
            _limit = RowLimit();
            if (_batch.Rows == 0)
            {
                _batch.Release();
                Interlocked.Increment(ref _budgetRowGroups);
            }

            _pool.AddBuffered(_batch.AllocatedBytes - _reportedBytes);
            _reportedBytes = _batch.AllocatedBytes;
        }
    }

    /// <summary>The sink is done with the pool: its buffers no longer count.</summary>
    private void LeavePool()
    {
        _pool!.AddBuffered(-_reportedBytes);
        _reportedBytes = 0;
        _pool.Detached();
    }

    /// <summary>The writer failed unexpectedly (a bug): the sink stops for good, loudly, and never takes the process down.</summary>
    private void Die(Exception e)
    {
        // Record the failure; producers now fail at once, and every later Flush fails.
        _writerDied = $"{e.GetType().Name}: {e.Message}";
        Log.WriterDied(_logger, _options.FilePattern, _writerDied);
        Fail(e);

        // Nothing will drain the ring again: producers, waiting or about to, get LogResult.Io (C: PQFLOW_ERR_IO) from
        // now on instead of waiting forever or logging into a ring nobody reads.
        _ring.Close();
    }

    private void Stopped()
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
        }

        SignalRoom(always: true);
    }

    /// <summary>
    /// One writer pass: drain the ring into the batch, then whatever is due (a full row group, a flush, the stop, a row
    /// group or file that is old enough). Says whether it did work, waits for producers to publish what they claimed
    /// (yield, then pass again), found nothing to do (sleep until woken), or finished the sink.
    /// </summary>
    private WriterPass Pass()
    {
        int drained = 0;
        ReportDrops(final: false);
        _pauseAcknowledged = _paused;
        if (_pauseAcknowledged == 0)
        {
            drained = Drain();
            SignalRoom();
        }

        if (_batch.Rows >= _limit)
        {
            WriteRowGroup();
            _limit = RowLimit();
            return WriterPass.Worked;
        }

        if (Volatile.Read(ref _flushRequested) != _flushCompleted)
        {
            long ticket;
            long target;
            lock (_gate)
            {
                ticket = _flushRequested;
                target = _flushTarget;
            }

            if (_ring.ReadPosition < target)
            {
                return drained == 0 ? WriterPass.Waiting : WriterPass.Worked;
            }

            WriteRowGroup();
            SyncFile();
            _limit = RowLimit();
            lock (_gate)
            {
                _flushCompleted = ticket;
                Monitor.PulseAll(_gate);
            }

            return WriterPass.Worked;
        }

        if (_stopping && drained == 0)
        {
            if (_ring.ReadPosition < _ring.ClaimedPosition)
            {
                return WriterPass.Waiting;
            }

            WriteRowGroup();
            CloseFile();
            CompleteAbandoned();
            ReportDrops(final: true);
            return WriterPass.Stopped;
        }

        if (drained != 0)
        {
            return WriterPass.Worked;
        }

        if (_batch.Rows > 0 && _clock.GetElapsedTime(_batchStarted) >= _options.RowGroupTimeout)
        {
            WriteRowGroup();
            _limit = RowLimit();
        }

        if (_file is not null && _options.MaxFileAge is { } age && _clock.GetUtcNow().UtcDateTime - _file.Opened >= age)
        {
            WriteRowGroup();
            CloseFile();
            _limit = RowLimit();
        }

        return WriterPass.Idle;
    }

    /// <summary>
    /// Logs the records producers dropped on a full ring since the last report: the writer looks at the ring's counter
    /// once per pass, so producers never log, and reports at once when drops start, then at most once per
    /// <see cref="s_dropReportInterval"/> while they go on; the <paramref name="final"/> report, when the sink stops,
    /// tells what remains.
    /// </summary>
    private void ReportDrops(bool final)
    {
        long dropped = _ring.Dropped;
        if (dropped == _dropsReported)
        {
            return;
        }

        if (final || _dropsReportedAt == 0 || _clock.GetElapsedTime(_dropsReportedAt) >= s_dropReportInterval)
        {
            Log.RecordsDropped(_logger, _options.FilePattern, dropped - _dropsReported, dropped);
            _dropsReported = dropped;
            _dropsReportedAt = Math.Max(1, _clock.GetTimestamp());
        }
    }

    /// <summary>
    /// Sleeps until woken or for the idle wait, then adapts the wait to the fill the ring reached meanwhile: halved when
    /// it passed an eighth of the ring, doubled (up to <see cref="LogSinkOptions.MaxWriterSleep"/>) when it stayed under
    /// a thirty-second. With a longer maximum, a quiet sink, or one of many in a process, wakes tens of times a second
    /// instead of a thousand, while a busy one still drains long before its ring fills; a producer that finds the ring
    /// full in <see cref="RingFullMode.Wait"/> wakes it at once.
    /// </summary>
    private void IdleWait()
    {
        long before = _ring.ReadPosition;
        _wake.WaitOne(_idleWaitMs);
        long filled = _ring.ClaimedPosition - before;
        if (filled > _busyFill)
        {
            _idleWaitMs = Math.Max(1, _idleWaitMs / 2);
        }
        else if (filled < _quietFill)
        {
            _idleWaitMs = Math.Min(_maxIdleWaitMs, _idleWaitMs * 2);
        }
    }

    /// <summary>Rows the next row group may hold: the batch size, capped by what the current file may still take.</summary>
    private int RowLimit()
    {
        long limit = _options.RowGroupRows;
        if (_options.MaxRowsPerFile > 0)
        {
            limit = Math.Min(limit, _options.MaxRowsPerFile - (_file?.Rows ?? 0));
        }

        return (int)Math.Max(1, limit);
    }

    /// <summary>
    /// Moves published entries from the ring into the batch until it holds the row group's limit of rows or the ring is
    /// empty; returns the rows moved. A column batch that does not fit the row group is split across row groups here
    /// (<see cref="AppendColumns"/>), so every entry read is wholly in the batch or written when this returns.
    /// </summary>
    private int Drain()
    {
        int drained = 0;
        while (_batch.Rows < _limit)
        {
            long start = _ring.ReadPosition;
            if (!_ring.TryRead(out ReadOnlySpan<byte> entry, out bool isColumnBatch))
            {
                break;
            }

            if (_batch.Rows == 0)
            {
                _batchStarted = _clock.GetTimestamp();
            }

            if (isColumnBatch)
            {
                drained += AppendColumns(entry, start);
            }
            else
            {
                _batch.Append(entry);
                drained++;
            }

            // Hand room back to the producers as the drain goes, not only at its end.
            if (_ring.ReadPosition - _ring.ReleasedPosition >= _releaseEvery)
            {
                _ring.Release();
                SignalRoom();
            }
        }

        _ring.Release();
        return drained;
    }

    /// <summary>
    /// Appends a column-batch entry (read at ring position <paramref name="start"/>): as many rows as the row group
    /// still takes, then, while rows remain, writes the full row group (which may complete the file) and goes on in the
    /// next. The entry's slots are handed back only after all its rows are in the batch or written, and a flush waits
    /// for them (its target is a ring position), so a flush after the log call covers every row of it.
    /// </summary>
    private int AppendColumns(ReadOnlySpan<byte> entry, long start)
    {
        int rows = ColumnBatchEntry.RowsOf(entry);
        int done = 0;
        while (true)
        {
            if (_batch.Rows == 0)
            {
                _batchStarted = _clock.GetTimestamp();
            }

            int take = Math.Min(rows - done, _limit - _batch.Rows);
            _batch.AppendColumns(entry, done, take);
            done += take;
            if (done == rows)
            {
                return rows;
            }

            // The entries before this one are in the batch: their room goes back before the row group's write.
            _ring.Release(start);
            SignalRoom();
            WriteRowGroup();
            _limit = RowLimit();
        }
    }

    /// <summary>
    /// Writes the batch as a row group. When the disk fails (a write, an fsync), the file is abandoned — after a failed
    /// fsync it is never trusted again — and completed from its journal, and the batch, still in memory, is written
    /// once more into a new file; only when that fails too are its rows counted lost.
    /// </summary>
    private void WriteRowGroup()
    {
        int rows = _batch.Rows;
        if (rows == 0)
        {
            return;
        }

        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (_file is null)
                {
                    OpenFile();
                }

                DurableParquetFile file = _file!;
                RowGroupWriter group = file.BeginRowGroup();
                _batch.WriteTo(group);
                file.EndRowGroup(group, rows);
                _batch.Clear();
                Volatile.Write(ref _written, _written + rows);
                Volatile.Write(ref _rowGroups, _rowGroups + 1);
                Volatile.Write(ref _bytesCurrent, file.Position);
                if ((_options.MaxRowsPerFile > 0 && file.Rows >= _options.MaxRowsPerFile)
                    || (_options.MaxBytesPerFile > 0 && file.Position >= _options.MaxBytesPerFile))
                {
                    CloseFile();
                }

                // The disk takes writes again: files abandoned while it did not are completed now, not at the next start.
                CompleteAbandoned();
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidBatchException)
            {
                Fail("writing a row group to", _file?.TemporaryPath ?? _finalPath + ParquetRecovery.InProgressSuffix, e);
                AbandonFile();
                if (attempt >= 2 || e is InvalidBatchException)
                {
                    _batch.Clear();
                    Volatile.Write(ref _lost, _lost + rows);
                    Log.RowsLost(_logger, rows, e is InvalidBatchException ? "the row group could not be encoded" : "the disk failed the row group in two files");
                    return;
                }
            }
        }
    }

    private void OpenFile()
    {
        DateTime now = _clock.GetUtcNow().UtcDateTime;

        // The directory may be gone since the sink started (a collector's retention removes emptied partition
        // directories; a partition opened but still without a file is one): made again when the owner asks.
        if (_options.CreateMissingDirectory && !Directory.Exists(_namer.Directory))
        {
            _storage.CreateDirectory(_namer.Directory);
        }

        _finalPath = _namer.Next(now);
        _file = new DurableParquetFile(_finalPath + ParquetRecovery.InProgressSuffix, _layout.Schema, _writerOptions, _options.DurableRowGroups, _storage, now);
        Volatile.Write(ref _bytesCurrent, _file.Position);
    }

    private void SyncFile()
    {
        try
        {
            _file?.Sync();
        }
        catch (IOException e)
        {
            Fail("fsync of", _file?.TemporaryPath, e);
        }
    }

    private void CloseFile()
    {
        if (_file is null)
        {
            return;
        }

        try
        {
            _file.Complete(_finalPath!);
            Volatile.Write(ref _bytesDone, _bytesDone + _file.Position);
            Volatile.Write(ref _files, _files + 1);
            Log.FileCompleted(_logger, _finalPath!, _file.Rows, _file.Position);
        }
        catch (IOException e)
        {
            Fail("completing", _finalPath, e);
            AbandonFile();
            return;
        }

        Volatile.Write(ref _bytesCurrent, 0);
        _file = null;
    }

    /// <summary>
    /// After a write error the file is released and, when its row groups are journaled, completed at once from the
    /// journal under its final name (every journaled row group was fsynced before its entry); if the disk refuses
    /// that too, it stays in progress for start-up recovery. Without a journal (<see cref="LogSinkOptions.DurableRowGroups"/>
    /// off) the file cannot be completed and its rows are counted lost. The next row group starts a new file.
    /// </summary>
    private void AbandonFile()
    {
        DurableParquetFile? file = _file;
        _file = null;
        Volatile.Write(ref _bytesCurrent, 0);
        if (file is null)
        {
            return;
        }

        file.Dispose();
        if (!_options.DurableRowGroups)
        {
            Volatile.Write(ref _lost, _lost + file.Rows);
            if (file.Rows > 0)
            {
                Log.RowsLost(_logger, file.Rows, $"{file.TemporaryPath} was abandoned after a write failure and has no journal (DurableRowGroups off)");
            }

            return;
        }

        try
        {
            // Only the row groups whose journal entries were fsynced: the one that failed is written again elsewhere.
            RecoveryResult recovered = ParquetRecovery.Recover(file.TemporaryPath, _storage, file.JournaledRowGroups);
            if (recovered.RowGroups == 0)
            {
                // Nothing durable in it: neither the file nor its journal stays (each failed attempt on a full disk
                // would otherwise leave an orphan journal behind).
                _storage.DeleteDurably(file.TemporaryPath);
                DurableParquetFile.TryDelete(_storage, DurableParquetFile.JournalPath(file.TemporaryPath));
                return;
            }

            _storage.MoveDurably(file.TemporaryPath, _finalPath!, overwrite: false);
            Volatile.Write(ref _files, _files + 1);
            Log.AbandonedFileCompleted(_logger, _finalPath!, recovered.RowGroups, recovered.Rows);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ParquetFormatException)
        {
            Fail("completing from its journal", file.TemporaryPath, e);
            _abandoned.Add((file.TemporaryPath, _finalPath!, file.JournaledRowGroups));
        }
    }

    /// <summary>
    /// Completes, from their journals, the files whose completion the disk refused when they were abandoned (a full
    /// disk): retried after each row group the disk took and when the sink stops, so their durable rows reach the
    /// dataset without a restart. What still fails stays in progress for start-up recovery.
    /// </summary>
    private void CompleteAbandoned()
    {
        for (int i = _abandoned.Count - 1; i >= 0; i--)
        {
            (string temporary, string final, int journaled) = _abandoned[i];
            try
            {
                if (File.Exists(temporary))
                {
                    RecoveryResult recovered = ParquetRecovery.Recover(temporary, _storage, journaled);
                    if (recovered.RowGroups == 0)
                    {
                        _storage.DeleteDurably(temporary);
                        DurableParquetFile.TryDelete(_storage, DurableParquetFile.JournalPath(temporary));
                    }
                    else
                    {
                        _storage.MoveDurably(temporary, final, overwrite: false);
                        Volatile.Write(ref _files, _files + 1);
                        Log.AbandonedFileCompleted(_logger, final, recovered.RowGroups, recovered.Rows);
                    }
                }

                _abandoned.RemoveAt(i);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ParquetFormatException)
            {
                Fail("completing from its journal", temporary, e);
                return;
            }
        }
    }

    /// <summary>Logs what failed on which file, then records the failure for <see cref="Flush"/> and <see cref="Statistics"/>.</summary>
    private void Fail(string operation, string? path, Exception e)
    {
        Log.WriteFailed(_logger, operation, path, e.Message);
        Fail(e);
    }

    private void Fail(Exception e)
    {
        Volatile.Write(ref _lastError, e.Message);
        Interlocked.Increment(ref _errorsSinceFlush);
    }
}
