using Microsoft.Win32.SafeHandles;
using ParquetFlow.Durability.Interop;

namespace ParquetFlow.Durability;

/// <summary>The machine's file system: <see cref="RandomAccess"/> for data, fsync(2) for files and directories.</summary>
public sealed class FileStorage : Storage
{
    internal FileStorage()
    {
    }

    public override StorageFile Open(string path, FileMode mode, FileAccess access, FileShare share = FileShare.Read) =>
        new File(path, System.IO.File.OpenHandle(path, mode, access, share));

    public override void Move(string source, string destination, bool overwrite) => System.IO.File.Move(source, destination, overwrite);

    public override void Delete(string path) => System.IO.File.Delete(path);

    public override void SyncDirectory(string directory) => LibC.SyncDirectory(directory);

    protected override void CreateDirectoryEntry(string path) => Directory.CreateDirectory(path);

    private sealed class File : StorageFile
    {
        private readonly SafeFileHandle _handle;

        public File(string path, SafeFileHandle handle)
            : base(path)
        {
            _handle = handle;
        }

        public override long Length => RandomAccess.GetLength(_handle);

        public override SafeFileHandle Handle => _handle;

        public override int Read(long offset, Span<byte> buffer) => RandomAccess.Read(_handle, buffer, offset);

        public override void Write(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(_handle, data, offset);

        public override void SetLength(long length) => RandomAccess.SetLength(_handle, length);

        // From 0, not from the current length: a file extended by SetLength has holes the disk does not back yet.
        public override void Allocate(long length) => LibC.Allocate(_handle, 0, length, Path);

        protected override void SyncCore() => RandomAccess.FlushToDisk(_handle);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _handle.Dispose();
            }
        }
    }
}
