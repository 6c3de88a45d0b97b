using Microsoft.Win32.SafeHandles;

namespace ParquetFlow.Durability;

/// <summary>
/// An open file of a <see cref="Storage"/>: positional reads and writes, length, block reservation and fsync. Writes
/// at explicit offsets, so a failed write leaves nothing buffered to be written later; a write that fails may have
/// written a prefix of its bytes (a short write), and a retry at the same offset rewrites them.
/// </summary>
/// <remarks>Thread-safe for reads and writes of disjoint ranges; <see cref="Sync"/> may run beside them.</remarks>
public abstract class StorageFile : IDisposable
{
    private volatile string? _syncFailure;
    private bool _disposed;

    protected StorageFile(string path) => Path = path;

    /// <summary>The path the file was opened under.</summary>
    public string Path { get; }

    /// <summary>The file's length in bytes.</summary>
    public abstract long Length { get; }

    /// <summary>True once a <see cref="Sync"/> failed: the file's content on disk is unknown and never durable again.</summary>
    public bool SyncFailed => _syncFailure is not null;

    /// <summary>Reads up to <paramref name="buffer"/>'s length at <paramref name="offset"/>; fewer bytes only at the end of the file.</summary>
    public abstract int Read(long offset, Span<byte> buffer);

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/>, or throws <see cref="IOException"/> (a prefix may be written).</summary>
    public abstract void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Sets the length (truncates, or extends with a sparse hole that the disk does not back yet; see <see cref="Allocate"/>).</summary>
    public abstract void SetLength(long length);

    /// <summary>
    /// Reserves disk blocks for <c>[0, length)</c> (posix_fallocate), extending the file with zeros: a full disk fails
    /// here with ENOSPC rather than later, when a store into a mapping of the file would raise SIGBUS.
    /// </summary>
    public abstract void Allocate(long length);

    /// <summary>
    /// The OS handle, for what the seam cannot express (mmap). Writes through it bypass the seam: a
    /// <see cref="Faults.FaultyStorage"/> then treats the whole file as possibly changed at every <see cref="Sync"/>.
    /// </summary>
    public abstract SafeFileHandle Handle { get; }

    /// <summary>
    /// Fsyncs the file's data and metadata: everything written before this call is durable when it returns. After one
    /// failure it throws <see cref="FsyncFailedException"/> at once, every time (see <see cref="Storage"/>).
    /// </summary>
    public void Sync()
    {
        if (_syncFailure is { } earlier)
        {
            throw new FsyncFailedException(Path, $"{Path}: an earlier fsync failed ({earlier}); what was written since the last good fsync may never reach the disk");
        }

        try
        {
            SyncCore();
        }
        catch (IOException e) when (e is not FsyncFailedException)
        {
            _syncFailure = e.Message;
            throw new FsyncFailedException(Path, $"{Path}: fsync failed: {e.Message}", e);
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the file ends; returns the bytes read.</summary>
    public int ReadAtMost(long offset, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = Read(offset + total, buffer[total..]);
            if (read <= 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <summary>Reads exactly <paramref name="buffer"/>'s length, or throws <see cref="EndOfStreamException"/>.</summary>
    public void ReadExactly(long offset, Span<byte> buffer)
    {
        if (ReadAtMost(offset, buffer) != buffer.Length)
        {
            throw new EndOfStreamException($"{Path}: {buffer.Length} bytes at {offset} run past the end of the file ({Length} bytes)");
        }
    }

    /// <summary>The fsync itself.</summary>
    protected abstract void SyncCore();

    /// <summary>Closes the file; it is not synced (what was not synced may be lost).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
