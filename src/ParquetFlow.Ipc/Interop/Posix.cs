// The few libc calls both rings need (mmap, msync, madvise, mlock, futex, kill): Linux only, blittable signatures.
using System.Runtime.InteropServices;

namespace ParquetFlow.Ipc.Interop;

internal static unsafe partial class Posix
{
    private const string Libc = "libc";

    public const int ProtRead = 0x1;
    public const int ProtWrite = 0x2;
    public const int MapShared = 0x01;
    public const int MapPopulate = 0x8000;
    public const int MapHugeTlb = 0x40000;
    public const int MsAsync = 1;
    public const int MsSync = 4;
    public const int MadvWillNeed = 3;
    public const int MadvHugePage = 14;
    public const int Esrch = 3;
    public const int Eagain = 11;
    public const int Etimedout = 110;

    private const int FutexWait = 0;
    private const int FutexWake = 1;

    public static readonly nint MapFailed = -1;

    public static int PageSize { get; } = Environment.SystemPageSize;

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int munmap(nint addr, nuint length);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int msync(nint addr, nuint length, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int madvise(nint addr, nuint length, int advice);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int mlock(nint addr, nuint length);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int munlock(nint addr, nuint length);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int fsync(int fd);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial int close(int fd);

    /// <summary>fsync a directory so that a rename or create inside it survives power loss.</summary>
    public static void SyncDirectory(string directory)
    {
        int fd = open(directory, 0); // O_RDONLY
        if (fd < 0)
        {
            throw new IOException($"{directory}: open failed: {LastErrorText()}");
        }

        try
        {
            if (fsync(fd) != 0)
            {
                throw new IOException($"{directory}: fsync failed: {LastErrorText()}");
            }
        }
        finally
        {
            _ = close(fd);
        }
    }

    [LibraryImport(Libc, SetLastError = true)]
    private static partial long syscall(long number, int* uaddr, int op, int val, Timespec* timeout, nint uaddr2, int val3);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static long FutexSyscallNumber => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        _ => throw new PlatformNotSupportedException("futex: unknown syscall number for this architecture"),
    };

    /// <summary>msync over the pages that cover [address, address+length): msync wants a page-aligned start.</summary>
    public static void SyncRange(nint address, long length, bool wait = true)
    {
        long start = address & ~(long)(PageSize - 1);
        long end = address + length;
        if (msync((nint)start, (nuint)(end - start), wait ? MsSync : MsAsync) != 0)
        {
            throw new IOException($"msync failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>True unless the kernel says no process has this pid (signal 0 only checks existence).</summary>
    public static bool ProcessExists(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        return kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() != Esrch;
    }

    /// <summary>Sleeps while <c>*word == expected</c>, at most <paramref name="timeoutNanoseconds"/>; works across processes on shared mappings.</summary>
    public static void FutexWaitShared(int* word, int expected, long timeoutNanoseconds)
    {
        Timespec timeout = new() { Seconds = timeoutNanoseconds / 1_000_000_000, Nanoseconds = timeoutNanoseconds % 1_000_000_000 };
        syscall(FutexSyscallNumber, word, FutexWait, expected, &timeout, 0, 0);
    }

    /// <summary>Wakes every waiter on <paramref name="word"/>.</summary>
    public static void FutexWakeShared(int* word)
    {
        syscall(FutexSyscallNumber, word, FutexWake, int.MaxValue, null, 0, 0);
    }

    public static string LastErrorText()
    {
        int errno = Marshal.GetLastPInvokeError();
        return $"errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})";
    }
}
