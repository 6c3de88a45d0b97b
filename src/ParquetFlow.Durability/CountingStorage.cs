using Microsoft.Win32.SafeHandles;

namespace ParquetFlow.Durability;

/// <summary>
/// A <see cref="Storage"/> that passes every call to another and counts what reaches the disk: bytes written, fsyncs
/// of files and directories, renames. For measuring a component's write cost per record (flash wear on a gateway's
/// eMMC); writes through <see cref="StorageFile.Handle"/> (mmap) are not seen. Thread-safe.
/// </summary>
public sealed class CountingStorage : Storage
{
    private readonly Storage _inner;
    private long _bytesWritten;
    private long _writes;
    private long _fileSyncs;
    private long _directorySyncs;
    private long _renames;

    public CountingStorage(Storage? inner = null) => _inner = inner ?? Default;

    /// <summary>Bytes handed to positional writes.</summary>
    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    /// <summary>Positional writes.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>fsyncs of files.</summary>
    public long FileSyncs => Interlocked.Read(ref _fileSyncs);

    /// <summary>fsyncs of directories.</summary>
    public long DirectorySyncs => Interlocked.Read(ref _directorySyncs);

    /// <summary>Renames.</summary>
    public long Renames => Interlocked.Read(ref _renames);

    public override StorageFile Open(string path, FileMode mode, FileAccess access, FileShare share = FileShare.Read) =>
        new CountedFile(this, _inner.Open(path, mode, access, share));

    public override void Move(string source, string destination, bool overwrite)
    {
        _inner.Move(source, destination, overwrite);
        Interlocked.Increment(ref _renames);
    }

    public override void Delete(string path) => _inner.Delete(path);

    public override void SyncDirectory(string directory)
    {
        _inner.SyncDirectory(directory);
        Interlocked.Increment(ref _directorySyncs);
    }

    protected override void CreateDirectoryEntry(string path) => Directory.CreateDirectory(path);

    private sealed class CountedFile(CountingStorage owner, StorageFile inner) : StorageFile(inner.Path)
    {
        public override long Length => inner.Length;

        public override SafeFileHandle Handle => inner.Handle;

        public override int Read(long offset, Span<byte> buffer) => inner.Read(offset, buffer);

        public override void Write(long offset, ReadOnlySpan<byte> data)
        {
            inner.Write(offset, data);
            Interlocked.Add(ref owner._bytesWritten, data.Length);
            Interlocked.Increment(ref owner._writes);
        }

        public override void SetLength(long length) => inner.SetLength(length);

        public override void Allocate(long length) => inner.Allocate(length);

        protected override void SyncCore()
        {
            inner.Sync();
            Interlocked.Increment(ref owner._fileSyncs);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
        }
    }
}
