using System.Buffers.Binary;
using System.IO.Hashing;
using ParquetFlow.Sink;

namespace ParquetFlow.Collector.RawLog;

/// <summary>
/// Appends every accepted frame, as received, with its receive time and a CRC-32 to rotating raw log files
/// <c>log-NNNNNN.bin</c> (layout in docs/formats.md), so that <see cref="RawLogReader"/> can replay a run exactly.
/// Thread-safe: appends are serialized. <see cref="Flush"/> makes everything appended so far durable.
/// </summary>
public sealed class RawLogWriter : IDisposable
{
    internal static ReadOnlySpan<byte> Magic => "PQFRAW01"u8;
    internal const int FileHeaderSize = 16;
    internal const int RecordHeaderSize = 16;

    private readonly Lock _lock = new();
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
        lock (_lock)
        {
            if (_file is null || _written >= _rotateBytes)
            {
                Rotate();
            }

            _file!.Write(header);
            _file.Write(frame);
            _file.Write(tail);
            _written += RecordHeaderSize + frame.Length + 4;
            Frames++;
        }
    }

    /// <summary>Writes buffered records and fsyncs the current file.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            _file?.Flush(flushToDisk: true);
        }
    }

    private void Rotate()
    {
        if (_file is not null)
        {
            _file.Flush(flushToDisk: true);
            _file.Dispose();
        }

        _sequence++;
        string path = Path.Combine(_directory, $"log-{_sequence:D6}.bin");
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16);
        Span<byte> header = stackalloc byte[FileHeaderSize];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 1);
        header[12..].Clear();
        _file.Write(header);
        _file.Flush(flushToDisk: true);
        DirectorySync.Sync(_directory);
        _written = FileHeaderSize;
    }

    /// <summary>Flushes and closes the current file.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _file?.Flush(flushToDisk: true);
            _file?.Dispose();
            _file = null;
        }
    }
}
