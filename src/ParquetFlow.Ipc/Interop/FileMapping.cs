// A whole file mapped MAP_SHARED read-write: the memory both rings live in.
using Microsoft.Win32.SafeHandles;

namespace ParquetFlow.Ipc.Interop;

internal sealed unsafe class FileMapping : IDisposable
{
    private readonly SafeFileHandle _file;
    private nint _address;

    private FileMapping(SafeFileHandle file, nint address, long length, string path, bool hugePages)
    {
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

    public byte* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_address == 0, this);
            return (byte*)_address;
        }
    }

    /// <summary>Maps an existing file whole; its length must already be final.</summary>
    public static FileMapping Open(string path, bool tryHugePages = false)
    {
        SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            return Map(file, RandomAccess.GetLength(file), path, tryHugePages);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Creates (or truncates) <paramref name="path"/> to <paramref name="length"/> zero bytes and maps it.</summary>
    public static FileMapping Create(string path, long length, bool tryHugePages = false)
    {
        SafeFileHandle file = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            RandomAccess.SetLength(file, length);
            return Map(file, length, path, tryHugePages);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static FileMapping Map(SafeFileHandle file, long length, string path, bool tryHugePages)
    {
        if (length <= 0)
        {
            throw new InvalidDataException($"{path}: empty file cannot be mapped");
        }

        int fd = (int)file.DangerousGetHandle();
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

        return new FileMapping(file, address, length, path, huge);
    }

    /// <summary>Renames the mapped file (the mapping stays valid: same inode); fails if <paramref name="path"/> exists.</summary>
    public void MoveTo(string path)
    {
        File.Move(Path, path, overwrite: false);
        Path = path;
    }

    /// <summary>msync the byte range (rounded out to pages) and wait for it to reach the device.</summary>
    public void Sync(long offset, long length) => Posix.SyncRange(_address + (nint)offset, length);

    /// <summary>fsync the file descriptor (metadata such as the length included).</summary>
    public void SyncFile()
    {
        if (Posix.fsync((int)_file.DangerousGetHandle()) != 0)
        {
            throw new IOException($"{Path}: fsync failed: {Posix.LastErrorText()}");
        }
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
