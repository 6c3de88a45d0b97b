namespace ParquetFlow.Durability;

/// <summary>
/// A sequential, buffered write stream over a <see cref="StorageFile"/>, for writers that want a <see cref="Stream"/>
/// (the Parquet writer, image snapshots). Unlike <see cref="FileStream"/>, a <see cref="Write(ReadOnlySpan{byte})"/>
/// that throws has put none of its bytes in the buffer: the buffer is written whole at its own offset before new bytes
/// enter it, so a failed flush never leaves part of a record to be written ahead of later ones.
/// </summary>
/// <remarks>Not thread-safe. Does not own the file unless asked to. <see cref="Flush()"/> writes, <see cref="Sync"/> also fsyncs;
/// disposing writes nothing (what is still buffered is dropped, as a crash would drop it).</remarks>
public sealed class StorageStream : Stream
{
    private readonly StorageFile _file;
    private readonly bool _ownsFile;
    private readonly int _bufferSize;
    private byte[] _buffer = []; // rented at the first write, handed back by Sync: a file open between syncs holds none
    private int _buffered;
    private long _written; // bytes at the file's offsets [start, _written) are written; the buffer follows them

    /// <summary>Writes from <paramref name="start"/> on (0 by default; the file's length to append).</summary>
    public StorageStream(StorageFile file, long start = 0, int bufferSize = 1 << 16, bool ownsFile = false)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        _file = file;
        _ownsFile = ownsFile;
        _bufferSize = bufferSize;
        _written = start;
    }

    /// <summary>The file written.</summary>
    public StorageFile File => _file;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _written + _buffered;

    /// <summary>The offset the next byte goes to. Setting it is not supported.</summary>
    public override long Position
    {
        get => _written + _buffered;
        set => throw new NotSupportedException();
    }

    /// <summary>Bytes handed to the file so far (not necessarily synced).</summary>
    public long WrittenToFile => _written;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_buffer.Length == 0)
        {
            _buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(_bufferSize);
        }

        // The pool may hand out a longer array; the stream buffers what it was asked to, no more.
        if (buffer.Length > _bufferSize - _buffered)
        {
            FlushBuffer();
            if (buffer.Length >= _bufferSize)
            {
                _file.Write(_written, buffer);
                _written += buffer.Length;
                return;
            }
        }

        buffer.CopyTo(_buffer.AsSpan(_buffered));
        _buffered += buffer.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    /// <summary>Writes the buffer to the file (no fsync).</summary>
    public override void Flush() => FlushBuffer();

    /// <summary>
    /// Writes the buffer and fsyncs the file: everything written to this stream is durable when it returns. The buffer
    /// goes back to the pool until the next write (a thousand collector partitions' files hold no buffer between their
    /// row groups).
    /// </summary>
    public void Sync()
    {
        FlushBuffer();
        ReturnBuffer();
        _file.Sync();
    }

    private void ReturnBuffer()
    {
        if (_buffered == 0 && _buffer.Length > 0)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    /// <summary>Forgets what is buffered and not yet written, and goes on at <paramref name="offset"/> (at most what was written): a writer's undo of a record it could not finish.</summary>
    public void Rewind(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, Position);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= _written)
        {
            _buffered = (int)(offset - _written);
            return;
        }

        _buffered = 0;
        _written = offset;
    }

    private void FlushBuffer()
    {
        if (_buffered == 0)
        {
            return;
        }

        // Written at its own offset: a failure leaves the buffer as it was, and a retry rewrites the same bytes there.
        _file.Write(_written, _buffer.AsSpan(0, _buffered));
        _written += _buffered;
        _buffered = 0;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        _buffered = 0; // dropped, as a crash would drop it
        ReturnBuffer();
        if (disposing && _ownsFile)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }
}
