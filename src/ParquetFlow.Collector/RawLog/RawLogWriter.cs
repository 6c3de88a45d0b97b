using System.Buffers.Binary;
using System.IO.Hashing;
using ParquetFlow.Durability;

namespace ParquetFlow.Collector.RawLog;

/// <summary>
/// Appends every accepted frame, as received, with its receive time and a CRC-32 to rotating raw log files
/// <c>log-NNNNNN.bin</c> (layout in docs/formats.md), so that <see cref="RawLogReader"/> can replay a run exactly.
/// Thread-safe: appends are serialized; fsyncs (rotation, <see cref="Flush"/>) happen outside the append lock, so a
/// slow disk never stalls the connections that append. <see cref="Flush"/> makes everything appended so far durable.
/// Records are written whole at their own offsets through the <see cref="Storage"/> seam: an append whose write fails
/// throws and leaves nothing of itself to be written later. After a failed fsync a file is never fsynced again: the
/// writer moves on to a new file and <see cref="Flush"/> reports, once, how many frames may not have reached the disk.
/// </summary>
public sealed class RawLogWriter : IDisposable
{
    internal static ReadOnlySpan<byte> Magic => "PQFRAW01"u8;
    internal const int FileHeaderSize = 16;
    internal const int RecordHeaderSize = 16;

    private readonly Lock _lock = new();
    private readonly Lock _syncLock = new(); // taken before _lock, never inside it
    private readonly List<LogFile> _closing = [];
    private readonly List<LogFile> _created = [];
    private readonly string _directory;
    private readonly long _rotateBytes;
    private readonly Storage _storage;
    private LogFile? _file;
    private long _written;
    private int _sequence;
    private long _framesAtRisk;
    private long _framesDurable;
    private bool _holed;
    private string? _syncFailure;

    /// <summary>Opens a writer that starts a new file in <paramref name="directory"/> after the highest existing number.</summary>
    public RawLogWriter(string directory, long rotateBytes = 64L << 20, Storage? storage = null)
    {
        _directory = directory;
        _rotateBytes = rotateBytes;
        _storage = storage ?? Storage.Default;
        _storage.CreateDirectory(directory);
        _sequence = RawLogReader.Files(directory).Select(f => RawLogReader.SequenceOf(f)).DefaultIfEmpty(0).Max();
    }

    /// <summary>Frames appended since the writer opened.</summary>
    public long Frames { get; private set; }

    /// <summary>
    /// Just past the last record appended: every frame appended so far is covered by it, and a <see cref="Flush"/>
    /// that returns after it was read made all of them durable.
    /// </summary>
    public RawLogPosition Position
    {
        get
        {
            lock (_lock)
            {
                return _file is { } file ? new RawLogPosition(_sequence, file.Stream.Position) : new RawLogPosition(_sequence + 1, 0);
            }
        }
    }

    /// <summary>Record flag: the frame's timestamp was outside the collector's window, so its rows go under the receive date.</summary>
    internal const byte PartitionByReceiveTimeFlag = 1;

    /// <summary>
    /// Appends one frame (its bytes exactly as received); <paramref name="partitionByReceiveTime"/> records that the
    /// collector filed its rows under the receive date, so a replay does the same.
    /// </summary>
    public void Append(ReadOnlySpan<byte> frame, FramingKind framing, long receiveTimeUs, bool partitionByReceiveTime = false)
    {
        if (AppendDeferringSync(frame, framing, receiveTimeUs, partitionByReceiveTime))
        {
            SyncRotated();
        }
    }

    /// <summary>
    /// <see cref="Append"/> without the fsyncs a rotation makes due: returns true when this append rotated to a new
    /// file, and then the caller calls <see cref="SyncRotated"/> once it holds no lock of its own (the collector appends
    /// under a per-source lock, which must not wait for a 64 MiB fsync).
    /// </summary>
    internal bool AppendDeferringSync(ReadOnlySpan<byte> frame, FramingKind framing, long receiveTimeUs, bool partitionByReceiveTime)
    {
        Span<byte> header = stackalloc byte[RecordHeaderSize];
        BinaryPrimitives.WriteInt32LittleEndian(header, frame.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header[4..], receiveTimeUs);
        header[12] = (byte)framing;
        header[13] = partitionByReceiveTime ? PartitionByReceiveTimeFlag : (byte)0;
        header[14..].Clear();
        var crc = new Crc32();
        crc.Append(header[4..]);
        crc.Append(frame);
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(tail, crc.GetCurrentHashAsUInt32());
        bool rotated = false;
        lock (_lock)
        {
            if (_file is null || _written >= _rotateBytes)
            {
                Rotate();
                rotated = true;
            }

            // Whole or not at all: a write that fails rewinds the stream to the record's start, so no part of it is
            // written later ahead of the next record.
            LogFile file = _file!;
            long start = file.Stream.Position;
            try
            {
                file.Stream.Write(header);
                file.Stream.Write(frame);
                file.Stream.Write(tail);
            }
            catch (IOException)
            {
                file.Stream.Rewind(start);
                throw;
            }

            _written += RecordHeaderSize + frame.Length + 4;
            file.Frames++;
            Frames++;
        }

        return rotated;
    }

    /// <summary>
    /// The fsyncs of the files a rotation closed, paid by the rotating thread outside the append lock (other
    /// connections go on appending). The frames are in the log by then, so a failing fsync fails nothing here: what was
    /// not synced stays pending, and the next <see cref="Flush"/> does it or reports the error.
    /// </summary>
    internal void SyncRotated()
    {
        try
        {
            SyncPending();
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Of the frames appended since the writer opened, how many are durable with every frame before them: raised by a
    /// <see cref="Flush"/> that returns, and frozen for good once an fsync failed (the frames at risk leave a hole that
    /// no later fsync fills). A power cut keeps at least this many frames of this run, in order.
    /// </summary>
    public long FramesDurable => Interlocked.Read(ref _framesDurable);

    /// <summary>Frames that may not have reached the disk because an fsync of their file failed (reported by <see cref="Flush"/>).</summary>
    public long FramesAtRisk => Interlocked.Read(ref _framesAtRisk);

    /// <summary>
    /// Writes buffered records and fsyncs the current file (appends go on meanwhile); throws <see cref="IOException"/>
    /// when it cannot, and once after an fsync failed on any file since the last call, naming the frames at risk.
    /// </summary>
    public void Flush()
    {
        lock (_syncLock)
        {
            LogFile? current;
            long frames;
            lock (_lock)
            {
                // The stream's buffer is written under the append lock: outside it, the stream belongs to the appenders.
                frames = Frames;
                current = _file;
                if (current is not null)
                {
                    current.Stream.Flush();
                    current.FramesAtLastFlush = current.Frames;
                }
            }

            SyncPendingLocked();

            // A file closed meanwhile was rotated away, fsynced and closed by SyncPendingLocked (only holders of the
            // sync lock close files).
            if (current is not null && !current.Closed)
            {
                Sync(current);
            }

            if (Interlocked.Exchange(ref _syncFailure, null) is { } failure)
            {
                throw new IOException(failure);
            }

            if (!Volatile.Read(ref _holed))
            {
                // Every frame appended before this flush began is in a file whose fsync since returned.
                Interlocked.Exchange(ref _framesDurable, Math.Max(Interlocked.Read(ref _framesDurable), frames));
            }
        }
    }

    /// <summary>Under the sync lock: fsyncs a file; after a failure the file is abandoned (the next append starts a new one) and its frames counted at risk.</summary>
    private void Sync(LogFile file)
    {
        if (file.File.SyncFailed)
        {
            // Counted and reported when its fsync failed; never fsynced again.
            return;
        }

        try
        {
            file.File.Sync();
        }
        catch (FsyncFailedException e)
        {
            long frames;
            lock (_lock)
            {
                frames = file.Frames - file.FramesSynced;
                file.FramesSynced = file.Frames;
                if (ReferenceEquals(_file, file))
                {
                    // Never fsynced again: frames from now on go to a new file that can be made durable.
                    _written = long.MaxValue;
                }
            }

            Interlocked.Add(ref _framesAtRisk, frames);
            Volatile.Write(ref _holed, true);
            _syncFailure = $"raw log {file.File.Path}: fsync failed; up to {frames} frames written since its last good fsync may not be on disk, and later frames go to a new file ({e.Message})";
            return;
        }

        lock (_lock)
        {
            file.FramesSynced = Math.Max(file.FramesSynced, file.FramesAtLastFlush);
        }
    }

    /// <summary>Under the append lock: starts the next file; the previous one and the new name are made durable by <see cref="SyncPending"/>.</summary>
    private void Rotate()
    {
        if (_file is not null)
        {
            // Its buffer is written when it is fsynced and closed (SyncPendingLocked), outside this lock.
            _closing.Add(_file);
            _file = null;
        }

        _sequence++;
        string path = Path.Combine(_directory, $"log-{_sequence:D6}.bin");
        StorageFile created = _storage.Open(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        var file = new LogFile(created);
        Span<byte> header = stackalloc byte[FileHeaderSize];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 1);
        header[12..].Clear();
        try
        {
            file.Stream.Write(header);
            file.Stream.Flush();
        }
        catch (IOException)
        {
            created.Dispose();
            throw;
        }

        _file = file;
        _created.Add(file);
        _written = FileHeaderSize;
    }

    private void SyncPending()
    {
        lock (_syncLock)
        {
            SyncPendingLocked();
        }
    }

    /// <summary>
    /// Under the sync lock: fsyncs and closes files rotated away, fsyncs the headers of new files and the directory, so
    /// a file's name is durable before any <see cref="Flush"/> reports its records durable.
    /// </summary>
    private void SyncPendingLocked()
    {
        // Each item leaves the pending lists only once it is done, so a write failure leaves the rest for the next call;
        // a failed fsync is final for its file (counted by Sync) and never retried.
        while (true)
        {
            LogFile? old;
            lock (_lock)
            {
                old = _closing.Count > 0 ? _closing[0] : null;
            }

            if (old is null)
            {
                break;
            }

            old.Stream.Flush();
            old.FramesAtLastFlush = old.Frames;
            Sync(old);
            old.Close();
            lock (_lock)
            {
                _closing.RemoveAt(0);
            }
        }

        LogFile[] created;
        lock (_lock)
        {
            created = [.. _created];
        }

        if (created.Length == 0)
        {
            return;
        }

        foreach (LogFile file in created)
        {
            if (!file.Closed)
            {
                Sync(file);
            }
        }

        _storage.SyncDirectory(_directory);
        lock (_lock)
        {
            _created.RemoveRange(0, created.Length);
        }
    }

    /// <summary>Flushes and closes the current file (closing every file even when the flush fails, which it then reports).</summary>
    public void Dispose()
    {
        try
        {
            Flush();
        }
        finally
        {
            lock (_syncLock)
            {
                lock (_lock)
                {
                    foreach (LogFile old in _closing)
                    {
                        old.Close();
                    }

                    _closing.Clear();
                    _created.Clear();
                    _file?.Close();
                    _file = null;
                }
            }
        }
    }

    /// <summary>One raw log file: its seam handle, the buffered stream appends go through, and its frame counts.</summary>
    private sealed class LogFile(StorageFile file)
    {
        public StorageFile File { get; } = file;

        public StorageStream Stream { get; } = new(file);

        /// <summary>Frames appended (under the append lock).</summary>
        public long Frames { get; set; }

        /// <summary>Frames handed to the file when it was last flushed before an fsync.</summary>
        public long FramesAtLastFlush { get; set; }

        /// <summary>Frames known durable, or given up on after a failed fsync.</summary>
        public long FramesSynced { get; set; }

        public bool Closed { get; private set; }

        public void Close()
        {
            Closed = true;
            File.Dispose();
        }
    }
}
