using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;
using ParquetFlow.Sink;

namespace ParquetFlow.Collector.RawLog;

/// <summary>
/// Appends every accepted frame, as received, with its receive time and a CRC-32 to rotating raw log files
/// <c>log-NNNNNN.bin</c> (layout in docs/formats.md), so that <see cref="RawLogReader"/> can replay a run exactly.
/// Thread-safe: appends are serialized; fsyncs (rotation, <see cref="Flush"/>) happen outside the append lock, so a
/// slow disk never stalls the connections that append. <see cref="Flush"/> makes everything appended so far durable.
/// </summary>
public sealed class RawLogWriter : IDisposable
{
    internal static ReadOnlySpan<byte> Magic => "PQFRAW01"u8;
    internal const int FileHeaderSize = 16;
    internal const int RecordHeaderSize = 16;

    private readonly Lock _lock = new();
    private readonly Lock _syncLock = new(); // taken before _lock, never inside it
    private readonly List<FileStream> _closing = [];
    private readonly List<SafeFileHandle> _created = [];
    private readonly string _directory;
    private readonly long _rotateBytes;
    private FileStream? _file;
    private long _written;
    private int _sequence;

    /// <summary>Opens a writer that starts a new file in <paramref name="directory"/> after the highest existing number.</summary>
    public RawLogWriter(string directory, long rotateBytes = 64L << 20)
    {
        _directory = directory;
        _rotateBytes = rotateBytes;
        Directory.CreateDirectory(directory);
        _sequence = RawLogReader.Files(directory).Select(f => RawLogReader.SequenceOf(f)).DefaultIfEmpty(0).Max();
    }

    /// <summary>Frames appended since the writer opened.</summary>
    public long Frames { get; private set; }

    /// <summary>Appends one frame (its bytes exactly as received).</summary>
    public void Append(ReadOnlySpan<byte> frame, FramingKind framing, long receiveTimeUs)
    {
        Span<byte> header = stackalloc byte[RecordHeaderSize];
        BinaryPrimitives.WriteInt32LittleEndian(header, frame.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header[4..], receiveTimeUs);
        header[12] = (byte)framing;
        header[13..].Clear();
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

            _file!.Write(header);
            _file.Write(frame);
            _file.Write(tail);
            _written += RecordHeaderSize + frame.Length + 4;
            Frames++;
        }

        if (rotated)
        {
            // The rotating thread pays for the fsyncs, outside the append lock: other connections go on appending.
            // The frame is in the log by now, so a failing fsync must not fail the append: what was not synced stays
            // pending, and the next Flush does it or reports the error.
            try
            {
                SyncPending();
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Writes buffered records and fsyncs the current file (appends go on meanwhile); throws <see cref="IOException"/> when it cannot.</summary>
    public void Flush()
    {
        lock (_syncLock)
        {
            SafeFileHandle? handle;
            lock (_lock)
            {
                // The stream's buffer is written and its handle taken under the append lock: outside it, the stream
                // belongs to the appenders.
                _file?.Flush(flushToDisk: false);
                handle = _file?.SafeFileHandle;
            }

            SyncPendingLocked();

            // A handle closed meanwhile was rotated away, fsynced and closed by SyncPendingLocked (only holders of the
            // sync lock close files).
            if (handle is not null && !handle.IsClosed)
            {
                RandomAccess.FlushToDisk(handle);
            }
        }
    }

    /// <summary>Under the append lock: starts the next file; the previous one and the new name are made durable by <see cref="SyncPending"/>.</summary>
    private void Rotate()
    {
        if (_file is not null)
        {
            _file.Flush(flushToDisk: false);
            _closing.Add(_file);
        }

        _sequence++;
        string path = Path.Combine(_directory, $"log-{_sequence:D6}.bin");
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16);
        Span<byte> header = stackalloc byte[FileHeaderSize];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 1);
        header[12..].Clear();
        _file.Write(header);
        _file.Flush(flushToDisk: false);
        _created.Add(_file.SafeFileHandle);
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
        // Each item leaves the pending lists only once it is done, so a failure leaves the rest for the next call.
        while (true)
        {
            FileStream? old;
            lock (_lock)
            {
                old = _closing.Count > 0 ? _closing[0] : null;
            }

            if (old is null)
            {
                break;
            }

            RandomAccess.FlushToDisk(old.SafeFileHandle);
            old.Dispose();
            lock (_lock)
            {
                _closing.RemoveAt(0);
            }
        }

        SafeFileHandle[] created;
        lock (_lock)
        {
            created = [.. _created];
        }

        if (created.Length == 0)
        {
            return;
        }

        foreach (SafeFileHandle handle in created)
        {
            if (!handle.IsClosed)
            {
                RandomAccess.FlushToDisk(handle);
            }
        }

        DirectorySync.Sync(_directory);
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
                    foreach (FileStream old in _closing)
                    {
                        old.Dispose();
                    }

                    _closing.Clear();
                    _created.Clear();
                    _file?.Dispose();
                    _file = null;
                }
            }
        }
    }
}
