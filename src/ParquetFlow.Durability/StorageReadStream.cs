namespace ParquetFlow.Durability;

/// <summary>A seekable, read-only <see cref="Stream"/> over a <see cref="StorageFile"/>, for readers that want one (footers, page walks); every read goes through the seam.</summary>
/// <remarks>Not thread-safe. Does not own the file unless asked to.</remarks>
public sealed class StorageReadStream : Stream
{
    private readonly StorageFile _file;
    private readonly bool _ownsFile;
    private long _position;

    public StorageReadStream(StorageFile file, bool ownsFile = false)
    {
        ArgumentNullException.ThrowIfNull(file);
        _file = file;
        _ownsFile = ownsFile;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _file.Length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override int Read(Span<byte> buffer)
    {
        int read = _file.Read(_position, buffer);
        _position += read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _file.Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsFile)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }
}
