// A whole file mapped MAP_SHARED read-write: the memory both rings live in. The file is opened through the durability
// kernel's storage seam, so its fsync (which on Linux also writes back the pages dirtied through the mapping) is the
// kernel's: it fails loudly, and for ever after a first failure.
using ParquetFlow.Durability;

namespace ParquetFlow.Ipc.Interop;

internal sealed unsafe class FileMapping : IDisposable
{
    private readonly Storage _storage;
    private readonly StorageFile _file;
    private nint _address;

    private FileMapping(Storage storage, StorageFile file, nint address, long length, string path, bool hugePages)
    {
        _storage = storage;
        _file = file;
        _address = address;
        Length = length;
        Path = path;
        HugePages = hugePages;
    }

    public string Path { get; private set; }

    public long Length { get; }

    /// <summary>True when the mapping was made with MAP_HUGETLB.</summary>
    public bool HugePages { get; }

    /// <summary>The mapped file, for <see cref="StorageFile.Sync"/>.</summary>
    public StorageFile File => _file;

    public byte* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_address == 0, this);
            return (byte*)_address;
        }
    }

    /// <summary>Opens an existing file through <paramref name="storage"/>; see <see cref="Map"/>.</summary>
    public static StorageFile OpenFile(Storage storage, string path) =>
        storage.Open(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);

    /// <summary>Maps an existing file whole; its length must already be final.</summary>
    public static FileMapping Open(string path, bool tryHugePages = false) => Map(Storage.Default, OpenFile(Storage.Default, path), path, tryHugePages);

    /// <summary>
    /// Creates (or truncates) <paramref name="path"/> to <paramref name="length"/> zero bytes and maps it. With
    /// <paramref name="reserve"/> the disk blocks are reserved first (posix_fallocate), so a full disk fails here with
    /// an <see cref="IOException"/> rather than with SIGBUS at the first store into a page the disk cannot back.
    /// </summary>
    public static FileMapping Create(Storage storage, string path, long length, bool tryHugePages = false, bool reserve = false)
    {
        StorageFile file = storage.Open(path, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            if (reserve)
            {
                file.Allocate(length);
            }
            else
            {
                file.SetLength(length);
            }
        }
        catch
        {
            file.Dispose();
            throw;
        }

        return Map(storage, file, path, tryHugePages);
    }

    /// <summary>Maps <paramref name="file"/> whole (owning it from here on: disposed on failure).</summary>
    public static FileMapping Map(Storage storage, StorageFile file, string path, bool tryHugePages)
    {
        try
        {
            long length = file.Length;
            if (length <= 0)
            {
                throw new InvalidDataException($"{path}: empty file cannot be mapped");
            }

            if ((ulong)length > nuint.MaxValue)
            {
                throw new IOException($"{path}: {length} bytes do not fit this process's address space");
            }

            int fd = (int)file.Handle.DangerousGetHandle();
            nint address = Posix.MapFailed;
            bool huge = false;
            if (tryHugePages)
            {
                address = Posix.mmap(0, (nuint)length, Posix.ProtRead | Posix.ProtWrite, Posix.MapShared | Posix.MapHugeTlb, fd, 0);
                huge = address != Posix.MapFailed;
            }

            if (address == Posix.MapFailed)
            {
                address = Posix.mmap(0, (nuint)length, Posix.ProtRead | Posix.ProtWrite, Posix.MapShared, fd, 0);
            }

            if (address == Posix.MapFailed)
            {
                throw new IOException($"{path}: mmap of {length} bytes failed: {Posix.LastErrorText()}");
            }

            return new FileMapping(storage, file, address, length, path, huge);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Renames the mapped file (the mapping stays valid: same inode); fails if <paramref name="path"/> exists. Not durable until the directory is synced.</summary>
    public void MoveTo(string path)
    {
        _storage.Move(Path, path, overwrite: false);
        Path = path;
    }

    public void Dispose()
    {
        nint address = Interlocked.Exchange(ref _address, 0);
        if (address != 0)
        {
            _ = Posix.munmap(address, (nuint)Length);
        }

        _file.Dispose();
    }
}
