// fsync for files and directories: the two calls every durability promise of the store rests on.
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ParquetFlow.SensorStore;

/// <summary>fsync(2) on a file handle and on a directory (needed after rename for the name to be durable).</summary>
internal static partial class Durability
{
    private const int ReadOnly = 0;
    private const int Directory = 0x10000; // O_DIRECTORY on Linux x64/arm64

    /// <summary>Flushes the file's data and metadata to stable storage; throws IOException on failure.</summary>
    public static void FsyncFile(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (Fsync((int)handle.DangerousGetHandle()) != 0)
            {
                throw new IOException($"fsync failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Makes the directory's entries (a rename, a new file) durable.</summary>
    public static void FsyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        int fd = Open(path, ReadOnly | Directory);
        if (fd < 0)
        {
            throw new IOException($"open({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync({path}) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
