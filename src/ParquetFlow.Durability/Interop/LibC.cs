// The libc calls .NET has no API for: opening a directory to fsync it, and posix_fallocate. Portable by construction:
// O_RDONLY is 0 on every Linux architecture (O_DIRECTORY is not: 0x10000 on x86 is O_DIRECT on arm and arm64), and the
// 64-bit-offset entry points (posix_fallocate64) take a 64-bit off_t on 32-bit ARM too.
using System.Runtime.InteropServices;

namespace ParquetFlow.Durability.Interop;

internal static partial class LibC
{
    private const string Library = "libc";
    private const int OpenReadOnly = 0;

    /// <summary>fsyncs a directory: opened read-only (a directory cannot be opened for writing), fsynced, closed.</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int fd = Open(directory, OpenReadOnly);
        if (fd < 0)
        {
            throw Error($"cannot open directory {directory} to fsync it");
        }

        try
        {
            if (FSync(fd) != 0)
            {
                throw Error($"fsync of directory {directory} failed");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>posix_fallocate(fd, offset, length): reserves blocks; throws on ENOSPC and every other error.</summary>
    public static void Allocate(SafeHandle file, long offset, long length, string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.SetLength((Microsoft.Win32.SafeHandles.SafeFileHandle)file, Math.Max(offset + length, RandomAccess.GetLength((Microsoft.Win32.SafeHandles.SafeFileHandle)file)));
            return;
        }

        bool added = false;
        file.DangerousAddRef(ref added);
        try
        {
            // posix_fallocate returns the error number instead of setting errno.
            int error = PosixFallocate64((int)file.DangerousGetHandle(), offset, length);
            if (error != 0)
            {
                throw new IOException($"{path}: cannot reserve {length} bytes at {offset}: {Describe(error)}", error);
            }
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>"ENOSPC-like text (errno N)" for an error number, in the OS's words.</summary>
    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";

    private static IOException Error(string what)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what}: {Describe(errno)}", errno);
    }

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "posix_fallocate64")]
    private static partial int PosixFallocate64(int fd, long offset, long length);
}
