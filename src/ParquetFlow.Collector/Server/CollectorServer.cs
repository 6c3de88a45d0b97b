using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Images;
using ParquetFlow.Collector.Output;
using ParquetFlow.Collector.RawLog;

namespace ParquetFlow.Collector.Server;

/// <summary>
/// The multi-client TCP collector: each listener accepts connections of one framing; each connection is read with a
/// pipe and parsed without blocking. Every accepted frame goes to the raw log, then to its source's register image;
/// queries are answered on their connection. A malformed, truncated or stalled frame closes that connection alone,
/// with the reason logged; everything accepted before it is kept. <see cref="StopAsync"/> stops accepting, lets
/// connections finish what they received, fsyncs the raw log and saves <c>image.bin</c>.
/// </summary>
public sealed class CollectorServer : IAsyncDisposable
{
    private readonly CollectorOptions _options;
    private readonly List<(Socket Socket, ListenerOptions Options)> _listeners = [];
    private readonly List<Task> _accepting = [];
    private readonly HashSet<Task> _connections = [];
    private readonly Lock _connectionsLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly RawLogWriter _rawLog;
    private readonly ParquetOutput? _parquet;
    private readonly FrameIngest _ingest;
    private readonly CollectorInstruments _instruments;
    private readonly Task _flusher;
    private readonly string _imagePath;
    private readonly List<string> _shutdownFailures = [];
    private readonly CancellationTokenSource _abort = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<SourceKey, byte> _admitted = new();
    private readonly Lock _admitLock = new();
    private readonly Retention.DataRetention? _retention;
    private long _lastRetention = long.MinValue;
    private bool _watermarkMissed;
    private long _savedChanges = -1;
    private long _lastAcceptErrorLog = long.MinValue;
    private long _lastRefusalLog = long.MinValue;
    private bool _stopped;

    /// <summary>The longest an accept loop waits after consecutive accept errors.</summary>
    private static readonly TimeSpan s_maxAcceptBackoff = TimeSpan.FromSeconds(1);

    private CollectorServer(CollectorOptions options)
    {
        _options = options;
        options.Storage.CreateDirectory(options.DataDirectory);
        _imagePath = Path.Combine(options.DataDirectory, "image.bin");
        string rawDirectory = Path.Combine(options.DataDirectory, "raw");

        // Without an image, the images start empty and the whole raw log is theirs to replay.
        RawLogPosition? covered = RawLogPosition.Start;
        try
        {
            covered = File.Exists(_imagePath) ? Images.Load(_imagePath, options.Storage) : RawLogPosition.Start;
        }
        catch (InvalidDataException e)
        {
            // A damaged image is set aside, never trusted and never fatal: the raw log still holds the history.
            string aside = _imagePath + ".damaged";
            options.Storage.MoveDurably(_imagePath, aside, overwrite: true);
            options.Logger.LogError("image.bin is damaged ({Reason}); moved to {Aside}, rebuilding the images from the raw log", e.Message, aside);
        }

        if (covered is { } from)
        {
            // image.bin is saved only after the raw log's fsync covering it, so the durable log holds everything the
            // image does; the frames logged after it (accepted between that save and the stop or crash) are applied
            // now, and the images are what a replay of the raw log makes.
            var reader = new RawLogReader(options.Storage);
            ImageFramesReplayed = Replay.Images(rawDirectory, Images, reader, from);
            foreach (string problem in reader.Problems)
            {
                options.Logger.LogWarning("raw log: {Problem}", problem);
            }
        }

        if (covered is not null && ImageFramesReplayed == 0 && File.Exists(_imagePath))
        {
            // image.bin holds exactly these images: nothing to save until one changes.
            _savedChanges = Images.Changes;
        }

        foreach (SourceKey known in Images.Sources)
        {
            if (Allowed(known))
            {
                _admitted.TryAdd(known, 0);
            }
        }

        _rawLog = new RawLogWriter(rawDirectory, options.RawLogRotateBytes, options.Storage);
        _parquet = options.WriteParquet ? new ParquetOutput(Path.Combine(options.DataDirectory, "parquet"), options.ParquetRotateBytes, options.Storage, options.TimeProvider, options.ParquetProfile, options.Logger)
            {
                MaxOpenPartitions = options.MaxOpenPartitions,
                RingBudgetBytes = options.ParquetRingBudgetBytes,
                RowBufferBudgetBytes = options.ParquetRowBufferBudgetBytes,
                WriterThreads = options.ParquetWriterThreads,
                MaxFileAge = options.MaxParquetFileAge,
                QuietRowGroupTimeout = options.QuietRowGroupTimeout,
            }
            : null;
        if (_parquet is not null)
        {
            foreach (string problem in _parquet.RecoveryProblems)
            {
                options.Logger.LogError("Parquet recovery: {Problem}", problem);
            }
        }
        _ingest = new FrameIngest(_rawLog, Images, Activity, _parquet);
        foreach (ListenerOptions listener in options.Listeners)
        {
            var socket = new Socket(listener.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(listener.Address, listener.Port));
            socket.Listen(1024);
            _listeners.Add((socket, listener));
        }

        foreach ((Socket socket, ListenerOptions listener) in _listeners)
        {
            // The framing's reader is chosen once per listener; every connection it accepts reads with it.
            _accepting.Add(AcceptAsync(socket, FrameReader.For(listener.Framing)));
        }

        _retention = options.Retention.Enabled ? new Retention.DataRetention(options.DataDirectory, options.Retention, options.Storage, options.TimeProvider) : null;
        _flusher = FlushPeriodicallyAsync();
        _instruments = new CollectorInstruments(this, _parquet, _retention, DiskFree);
    }

    /// <summary>
    /// This server's counters as <see cref="System.Diagnostics.Metrics"/> instruments (meter
    /// <c>ParquetFlow.Collector</c>; the web view exports them to Prometheus at <c>/metrics</c>). Observable only: read
    /// when a listener collects.
    /// </summary>
    public System.Diagnostics.Metrics.Meter Meter => _instruments.Meter;

    /// <summary>Bytes free on the data directory's file system now, or -1 when it cannot be told.</summary>
    public long DiskFreeBytes => DiskFree();

    /// <summary>Frames of the raw log applied to the images at start, after what <c>image.bin</c> covered.</summary>
    public long ImageFramesReplayed { get; }

    private long DiskFree()
    {
        try
        {
            return _options.Storage.AvailableBytes(_options.DataDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return -1;
        }
    }

    /// <summary>The live register images.</summary>
    public RegisterImages Images { get; } = new();

    /// <summary>Rows written to Parquet so far (0 when Parquet output is off).</summary>
    public long ParquetRows => _parquet?.Rows ?? 0;

    /// <summary>Counters.</summary>
    public CollectorMetrics Metrics { get; } = new();

    /// <summary>Per-source activity since start (last seen, rates, gaps), for the operators' view.</summary>
    public SourceActivity Activity { get; } = new();

    /// <summary>The bound end points, in listener order (port 0 in the options becomes the real port here).</summary>
    public IReadOnlyList<IPEndPoint> EndPoints => [.. _listeners.Select(l => (IPEndPoint)l.Socket.LocalEndPoint!)];

    /// <summary>Loads the images, opens the raw log, binds every listener and starts accepting.</summary>
    public static CollectorServer Start(CollectorOptions options) => new(options);

    private async Task AcceptAsync(Socket listener, FrameReader framing)
    {
        TimeSpan backoff = TimeSpan.Zero;
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
                backoff = TimeSpan.Zero;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || _stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                // Too many open files, no buffers, a connection reset while it waited: the listener itself is fine.
                // Back off (longer after each failure in a row, so a full file table is not spun on) and go on.
                Interlocked.Increment(ref Metrics.AcceptFailures);
                backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(10) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, s_maxAcceptBackoff.Ticks));
                if (Every(ref _lastAcceptErrorLog, TimeSpan.FromSeconds(10)))
                {
                    _options.Logger.LogError("accept failed ({Reason}); retrying in {Backoff} ms ({Total} accept errors so far)", e.Message, backoff.TotalMilliseconds, Metrics.AcceptErrors);
                }

                try
                {
                    await Task.Delay(backoff, _options.TimeProvider, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            if (Interlocked.Increment(ref Metrics.ConnectionsOpen) > _options.MaxConnections)
            {
                Interlocked.Decrement(ref Metrics.ConnectionsOpen);
                Interlocked.Increment(ref Metrics.RefusedConnections);
                if (Every(ref _lastRefusalLog, TimeSpan.FromSeconds(10)))
                {
                    _options.Logger.LogWarning("refusing the connection from {Remote}: {Max} connections are open ({Total} refused so far)", SafeRemote(client), _options.MaxConnections, Metrics.ConnectionsRefused);
                }

                client.Dispose();
                continue;
            }

            client.NoDelay = true;
            Task connection = HandleAsync(client, framing);
            lock (_connectionsLock)
            {
                _connections.Add(connection);
            }

            _ = connection.ContinueWith(
                t =>
                {
                    lock (_connectionsLock)
                    {
                        _connections.Remove(t);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    /// <summary>True at most once per <paramref name="period"/> for the same <paramref name="last"/> (rate-limited logging).</summary>
    private bool Every(ref long last, TimeSpan period)
    {
        long now = _options.TimeProvider.GetTimestamp();
        long previous = Interlocked.Read(ref last);
        return (previous == long.MinValue || _options.TimeProvider.GetElapsedTime(previous, now) >= period)
            && Interlocked.CompareExchange(ref last, now, previous) == previous;
    }

    private static EndPoint? SafeRemote(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="source"/> is in <see cref="CollectorOptions.AllowedSources"/> (or there is no such list).</summary>
    private bool Allowed(SourceKey source)
    {
        if (_options.AllowedSources is not { } allowed)
        {
            return true;
        }

        foreach (SourceRange range in allowed)
        {
            if (range.Contains(source))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the collector keeps state for <paramref name="source"/>: known, or allowed and under <see cref="CollectorOptions.MaxSources"/>.</summary>
    private bool Admit(SourceKey source)
    {
        if (_admitted.ContainsKey(source))
        {
            return true;
        }

        if (!Allowed(source))
        {
            return false;
        }

        lock (_admitLock)
        {
            if (_admitted.ContainsKey(source))
            {
                return true;
            }

            if (_admitted.Count >= _options.MaxSources)
            {
                return false;
            }

            _admitted.TryAdd(source, 0);
            return true;
        }
    }

    private async Task HandleAsync(Socket socket, FrameReader framing)
    {
        // Counted in ConnectionsOpen by the accept loop already.
        Interlocked.Increment(ref Metrics.ConnectionsTotal);
        _sockets.TryAdd(socket, 0);
        var connection = new Connection(SafeRemote(socket));
        var packet = new RackPacket();
        RackPacket? reply = null;
        int largest = 0;
        int frames = 0;
        TimeProvider clock = _options.TimeProvider;
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        // Small first buffers: an idle connection holds a few KiB; a busy one gets larger segments as it needs them.
        PipeReader reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024));
        using var deadline = new ReadDeadline(clock, _stopping.Token);
        string? closeReason = null;
        bool timedOut = false;
        long unconsumed = 0; // bytes of a frame begun but not complete
        long frameStarted = 0; // when the first of those bytes was seen
        long lastActivity = clock.GetTimestamp();
        try
        {
            while (true)
            {
                // A frame begun must be complete FrameTimeout after its first byte, however its bytes trickle in;
                // between frames, IdleTimeout after the last byte.
                TimeSpan left = unconsumed > 0
                    ? _options.FrameTimeout - clock.GetElapsedTime(frameStarted)
                    : _options.IdleTimeout - clock.GetElapsedTime(lastActivity);
                if (left <= TimeSpan.Zero)
                {
                    closeReason = unconsumed > 0
                        ? $"slow client: a frame was not completed within {_options.FrameTimeout.TotalSeconds:0.#} s of its first byte"
                        : $"idle for {_options.IdleTimeout.TotalSeconds:0.#} s";
                    timedOut = unconsumed == 0; // a stalled frame counts as a bad frame, an idle connection as a timeout
                    break;
                }

                ReadResult result;
                try
                {
                    result = await reader.ReadAsync(deadline.Arm(left)).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
                {
                    deadline.Renew(); // the loop's head decides whether the time is really up
                    continue;
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                deadline.Disarm();
                ReadOnlySequence<byte> buffer = result.Buffer;
                if (buffer.Length > unconsumed)
                {
                    lastActivity = clock.GetTimestamp();
                }

                long before = unconsumed;
                bool completedAny = false;
                FrameStatus status = FrameStatus.NeedMoreData;
                while (buffer.Length > 0)
                {
                    ReadOnlySequence<byte> start = buffer;
                    status = framing.TryRead(ref buffer, packet, out string? error);
                    if (status == FrameStatus.Malformed)
                    {
                        closeReason = $"malformed frame: {error}";
                        break;
                    }

                    if (status == FrameStatus.NeedMoreData)
                    {
                        break;
                    }

                    completedAny = true;
                    long now = (clock.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
                    Admission admission = Admit(packet, connection, now);
                    if (admission != Admission.Refused)
                    {
                        bool byReceiveTime = admission == Admission.ByReceiveTime;

                        // Backpressure: while the frame's Parquet partition has no room, this connection stops reading
                        // its socket (the frame waits in the pipe) rather than spin a pool thread under the source's lock.
                        ValueTask room = _ingest.WaitForRoomAsync(packet, now, byReceiveTime, _abort.Token);
                        if (!room.IsCompletedSuccessfully)
                        {
                            Interlocked.Increment(ref Metrics.RoomWaits);
                            await room.ConfigureAwait(false);
                        }

                        Accept(start.Slice(0, start.Length - buffer.Length), framing.Framing, packet, now, byReceiveTime);
                    }
                    if (packet.Command == PacketCommand.Query)
                    {
                        closeReason = await AnswerAsync(stream, packet, reply ??= new RackPacket()).ConfigureAwait(false);
                        if (closeReason is not null)
                        {
                            timedOut = true;
                            break;
                        }
                    }

                    largest = Math.Max(largest, packet.Count);
                    if (++frames % 1024 == 0)
                    {
                        packet.Shrink(largest);
                        reply?.Shrink(largest);
                        largest = 0;
                    }
                }

                unconsumed = buffer.Length;
                if (unconsumed > 0 && (before == 0 || completedAny))
                {
                    frameStarted = lastActivity; // a new frame began with these bytes
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (closeReason is not null)
                {
                    break;
                }

                if (result.IsCompleted)
                {
                    if (buffer.Length > 0)
                    {
                        closeReason = $"connection closed inside a frame ({buffer.Length} bytes of it received)";
                    }

                    break;
                }

                // A busy client's reads complete synchronously; yielding after each buffer keeps one fast sender from
                // holding a pool thread while other connections wait.
                await Task.Yield();
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            closeReason = _abort.IsCancellationRequested ? "closed by shutdown after its grace period" : $"connection error: {e.Message}";
        }
        finally
        {
            // Counted before the socket closes, so a client that sees the close also sees the count.
            if (closeReason is not null)
            {
                Interlocked.Increment(ref timedOut ? ref Metrics.TimedOut : ref Metrics.BadFrames);
                _options.Logger.LogWarning("closing connection from {Remote}: {Reason}", connection.Remote, closeReason);
            }

            Interlocked.Decrement(ref Metrics.ConnectionsOpen);
            _sockets.TryRemove(socket, out _);
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>How a parsed frame is taken in, by the source bounds and the timestamp window.</summary>
    private enum Admission
    {
        Accepted,
        ByReceiveTime,
        Refused,
    }

    /// <summary>
    /// Whether a frame is taken in: refused (counted, logged once per connection) when its source is not admitted or its
    /// timestamp is outside the window under <see cref="OutOfWindowPolicy.Refuse"/>; filed under the receive date when
    /// outside the window otherwise. Frames without registers (queries) are always taken in.
    /// </summary>
    private Admission Admit(RackPacket packet, Connection connection, long now)
    {
        if (packet.Command is not (PacketCommand.Diff or PacketCommand.Full))
        {
            return Admission.Accepted;
        }

        var source = new SourceKey(packet.SourceType, packet.SourceId);
        if (!Admit(source))
        {
            Interlocked.Increment(ref Metrics.SourceRefusals);
            if (!connection.SourceRefusalLogged)
            {
                connection.SourceRefusalLogged = true;
                _options.Logger.LogWarning(
                    "dropping frames of {Source} from {Remote}: {Reason} (logged once per connection; see pqflow_collector_frames_refused_total)",
                    source, connection.Remote, Allowed(source) ? $"{_options.MaxSources} sources are known already" : "not among the allowed sources");
            }

            return Admission.Refused;
        }

        long age = now - packet.TimestampUs;
        if (age <= _options.MaxTimestampAge.Ticks / 10 && -age <= _options.MaxTimestampLead.Ticks / 10)
        {
            return Admission.Accepted;
        }

        bool byReceiveTime = _options.OutOfWindow != OutOfWindowPolicy.Refuse;
        Interlocked.Increment(ref byReceiveTime ? ref Metrics.ReceiveTimePartitioned : ref Metrics.TimestampRefusals);
        if (!connection.TimestampLogged)
        {
            connection.TimestampLogged = true;
            _options.Logger.LogWarning(
                "{Source} from {Remote} sends timestamps outside the window ({Age:0.#} s from the receive time); {Action} (logged once per connection)",
                source, connection.Remote, age / 1e6, byReceiveTime ? "filing its rows under the receive date" : "dropping those frames");
        }

        return byReceiveTime ? Admission.ByReceiveTime : Admission.Refused;
    }

    /// <summary>Takes an admitted frame in through the ingest step (raw log, image, activity, Parquet) and counts it.</summary>
    private void Accept(ReadOnlySequence<byte> frame, FramingKind framing, RackPacket packet, long now, bool byReceiveTime)
    {
        byte[]? copy = null;
        ReadOnlySpan<byte> bytes;
        if (frame.IsSingleSegment)
        {
            bytes = frame.FirstSpan;
        }
        else
        {
            copy = ArrayPool<byte>.Shared.Rent((int)frame.Length);
            frame.CopyTo(copy);
            bytes = copy.AsSpan(0, (int)frame.Length);
        }

        _ingest.Accept(bytes, framing, packet, now, byReceiveTime);

        if (copy is not null)
        {
            ArrayPool<byte>.Shared.Return(copy);
        }

        Interlocked.Increment(ref Metrics.FramesAccepted);
        Interlocked.Add(ref Metrics.BytesAccepted, frame.Length);
        if (packet.Command is PacketCommand.Diff or PacketCommand.Full)
        {
            Interlocked.Add(ref Metrics.RegistersAccepted, packet.Count);
        }
    }

    /// <summary>Answers a query; null, or why the connection must close (the client did not take the reply in time).</summary>
    private async Task<string?> AnswerAsync(NetworkStream stream, RackPacket query, RackPacket reply)
    {
        reply.Command = PacketCommand.QueryReply;
        reply.SourceType = query.SourceType;
        reply.SourceId = query.SourceId;
        reply.Sequence = query.Sequence;
        reply.TimestampUs = (_options.TimeProvider.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
        reply.SetCount(query.Count);
        query.Control.CopyTo(reply.Control);
        bool known = Images.Query(new SourceKey(query.SourceType, query.SourceId), reply.Control, reply.Data);
        reply.Flags = known ? (byte)0 : PacketFraming.UnknownSourceFlag;
        var output = new ArrayBufferWriter<byte>(PacketFraming.HeaderSize + (4 * query.Count));
        PacketFraming.Write(output, reply);
        using var timeout = new CancellationTokenSource(_options.ReplyTimeout, _options.TimeProvider);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _abort.Token);
        Interlocked.Increment(ref Metrics.RepliesWriting);
        try
        {
            await stream.WriteAsync(output.WrittenMemory, either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return _abort.IsCancellationRequested
                ? "closed by shutdown after its grace period while a reply was unread"
                : $"the client did not take a query reply within {_options.ReplyTimeout.TotalSeconds:0.#} s";
        }
        finally
        {
            Interlocked.Decrement(ref Metrics.RepliesWriting);
        }

        Interlocked.Increment(ref Metrics.Queries);
        return null;
    }

    /// <summary>
    /// The periodic flush runs on a thread of its own: its fsyncs and the image rewrite block for a while, and must not
    /// hold a thread-pool thread that connections need.
    /// </summary>
    private Task FlushPeriodicallyAsync() => Task.Factory.StartNew(
        () =>
        {
            while (!_stopping.Token.WaitHandle.WaitOne(_options.FlushInterval))
            {
                try
                {
                    Maintain();
                }
                catch (Exception e)
                {
                    // Never let one unexpected failure end periodic flushing for the rest of the run.
                    _options.Logger.LogError("periodic flush failed: {Reason}", e.Message);
                }
            }
        },
        CancellationToken.None,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default);

    /// <summary>
    /// One round of the periodic flusher: the flush (quiet partitions keep their rows), closing idle and old partitions,
    /// retention when due. Tests under a fake clock call it instead of waiting for the flusher.
    /// </summary>
    internal void Maintain()
    {
        Flush(periodic: true);
        CloseIdlePartitions();
        ApplyRetentionWhenDue();
    }

    /// <summary>
    /// Fsyncs the raw log, rewrites <c>image.bin</c> atomically and flushes Parquet; a step that fails is logged and
    /// counted, and the others still run. When it returns, <see cref="CollectorMetrics.FramesDurable"/> and
    /// <see cref="CollectorMetrics.RowsDurable"/> say what it made durable.
    /// </summary>
    /// <remarks>
    /// The images are snapshotted (their pages shared copy-on-write) with the raw-log position they cover while no frame
    /// is being accepted, and saved only
    /// after the raw log's fsync past that position returned: <c>image.bin</c> never holds a frame the durable raw log
    /// lacks, so a restart (the image, then the log after its position) rebuilds what the live run had.
    /// </remarks>
    public void Flush() => Flush(periodic: false);

    /// <summary>
    /// <see cref="Flush()"/>; when <paramref name="periodic"/>, quiet Parquet partitions keep their few rows until the
    /// quiet row-group timeout (see <see cref="CollectorOptions.QuietRowGroupTimeout"/>).
    /// </summary>
    internal void Flush(bool periodic)
    {
        // A consistent cut: the raw log's position and the images it produced, while no frame is being taken in.
        (long frames, RawLogPosition position, long changes, RegisterImages.ImagesSnapshot? image) = _ingest.WhileQuiet(() =>
        {
            long logged = _rawLog.Frames;
            RawLogPosition at = _rawLog.Position;

            // No image changed since the last save: image.bin is left alone (no copy, no rewrite, no fsync: flash
            // wear on an eMMC). The frames logged since (queries) change no image, so the older position it covers
            // replays to the same images.
            long changed = Images.Changes;
            return (logged, at, changed, changed != Interlocked.Read(ref _savedChanges) ? Images.Snapshot(at) : null);
        });

        bool logged = Step("raw log fsync", _rawLog.Flush);
        CollectorMetrics.Durable(ref Metrics.DurableFrames, _rawLog.FramesDurable);
        if (image is null)
        {
            Interlocked.Increment(ref Metrics.ImageSavesSkipped);
        }
        else if (logged && _rawLog.FramesDurable >= frames)
        {
            if (Step("image.bin", () => _options.Storage.ReplaceAtomically(_imagePath, image.WriteTo)))
            {
                Interlocked.Exchange(ref _savedChanges, changes);
                Interlocked.Increment(ref Metrics.ImageSavesDone);
            }
        }
        else
        {
            // After a failed raw-log fsync the log has a hole: image.bin stays at the last position the durable log
            // covers, and a restart replays the log from there.
            Step("image.bin", () => throw new IOException("not rewritten: the raw log it would cover is not all durable (an fsync failed); a restart replays the log after the last image"));
        }

        // A row lost to a write error leaves a hole no later flush fills: the promise stops rising for the run.
        if (_parquet is not null && Step("Parquet flush", () => _parquet.Flush(quiet: periodic)) && _parquet.Lost + _parquet.Dropped == 0)
        {
            CollectorMetrics.Durable(ref Metrics.DurableRows, _parquet.DurableRows);
        }
    }

    private bool Step(string what, Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException or AggregateException)
        {
            Interlocked.Increment(ref Metrics.FailedFlushes);
            Metrics.LastError = $"{what} failed: {e.Message}";
            _options.Logger.LogError("{What} failed: {Reason}", what, e.Message);
            if (_stopped)
            {
                lock (_shutdownFailures)
                {
                    _shutdownFailures.Add($"{what} failed: {e.Message}");
                }
            }

            return false;
        }
    }

    /// <summary>
    /// After <see cref="StopAsync"/>: null when everything accepted is stored (every frame in the fsynced raw log,
    /// <c>image.bin</c> saved, every row in a finished Parquet file); otherwise one line saying what is not.
    /// </summary>
    public string? NotStored
    {
        get
        {
            var problems = new List<string>();
            lock (_shutdownFailures)
            {
                problems.AddRange(_shutdownFailures);
            }

            if (_rawLog.FramesAtRisk > 0)
            {
                problems.Add($"{_rawLog.FramesAtRisk} raw-log frames may not be on disk (an fsync failed)");
            }

            if (_parquet is { } parquet && parquet.Lost + parquet.Dropped > 0)
            {
                problems.Add($"{parquet.Lost + parquet.Dropped} Parquet rows were not written");
            }

            return problems.Count == 0 ? null : string.Join("; ", problems);
        }
    }

    /// <summary>Runs the retention rules when <see cref="Retention.RetentionOptions.Interval"/> has passed since the last pass.</summary>
    private void ApplyRetentionWhenDue()
    {
        if (_retention is null || !Every(ref _lastRetention, _options.Retention.Interval))
        {
            return;
        }

        Step("retention", () =>
        {
            Retention.RetentionResult result = _retention.Apply();
            if (result.FilesByAge + result.FilesForSpace > 0)
            {
                _options.Logger.LogInformation(
                    "retention deleted {ByAge} file(s) past their age and {ForSpace} for free space ({Bytes} bytes)", result.FilesByAge, result.FilesForSpace, result.Bytes);
            }

            if (!result.WatermarkMet && !_watermarkMissed)
            {
                _options.Logger.LogWarning("the disk stays below the free-space watermark of {Watermark} bytes with nothing left that retention may delete", _retention.Watermark());
            }

            _watermarkMissed = !result.WatermarkMet;
        });
    }

    private void CloseIdlePartitions()
    {
        int closed = 0;
        Step("closing idle Parquet partitions", () => closed = _parquet?.CloseIdle(_options.PartitionIdleTimeout) ?? 0);
        if (closed > 0)
        {
            _options.Logger.LogInformation("completed the files of {Closed} Parquet partition(s) idle for {Idle}", closed, _options.PartitionIdleTimeout);
        }
    }

    /// <summary>Stops accepting, waits for open connections to finish what they received, then flushes everything.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        foreach ((Socket socket, _) in _listeners)
        {
            socket.Dispose();
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_accepting).ConfigureAwait(false);
        Task[] open;
        lock (_connectionsLock)
        {
            open = [.. _connections];
        }

        Task all = Task.WhenAll(open);
        if (await Task.WhenAny(all, Task.Delay(_options.ShutdownGrace, _options.TimeProvider)).ConfigureAwait(false) != all)
        {
            // The grace period is over: whatever the clients do (a reply never read, a frame never finished), their
            // connections close now; what they sent before is kept and saved below.
            await _abort.CancelAsync().ConfigureAwait(false);
            foreach (Socket socket in _sockets.Keys)
            {
                Interlocked.Increment(ref Metrics.Aborted);
                socket.Dispose();
            }

            _options.Logger.LogWarning("closed {Count} connection(s) still open after the {Grace} s shutdown grace period", open.Count(t => !t.IsCompleted), _options.ShutdownGrace.TotalSeconds);
            if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false) != all)
            {
                _options.Logger.LogError("connections still did not end after they were closed; saving what was accepted anyway");
            }
        }

        try
        {
            await _flusher.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The flusher logs its own failures; this is one it did not expect. Shutdown still saves everything.
            _options.Logger.LogError("the periodic flusher stopped: {Reason}", e.Message);
        }

        Flush();
        try
        {
            Step("raw log close", _rawLog.Dispose);
        }
        finally
        {
            if (_parquet is not null)
            {
                Step("Parquet close", _parquet.Dispose);
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _instruments.Dispose();
        _stopping.Dispose();
        _abort.Dispose();
    }

    /// <summary>What the server remembers of one connection.</summary>
    private sealed class Connection(EndPoint? remote)
    {
        public readonly EndPoint? Remote = remote;
        public bool SourceRefusalLogged;
        public bool TimestampLogged;
    }
}
