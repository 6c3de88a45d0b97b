// The few libc calls the rings need that .NET has no API for (mmap, madvise, mlock, futex, kill): Linux only,
// blittable signatures that are right on 32-bit ARM too (C `long` and pointers as nint, 64-bit file offsets through
// the *64 entry points). fsync and directory fsync are the durability kernel's (ParquetFlow.Durability).
using System.Runtime.InteropServices;

namespace ParquetFlow.Ipc.Interop;

internal static unsafe partial class Posix
{
    private const string Libc = "libc";

    public const int ProtRead = 0x1;
    public const int ProtWrite = 0x2;
    public const int MapShared = 0x01;
    public const int MapHugeTlb = 0x40000;
    public const int MadvHugePage = 14;
    public const int Esrch = 3;

    private const int FutexWait = 0;
    private const int FutexWake = 1;

    public static readonly nint MapFailed = -1;

    public static int PageSize { get; } = Environment.SystemPageSize;

    // mmap64, not mmap: off_t is 32-bit on armhf, and glibc exports mmap64 (a 64-bit offset) on every architecture.
    [LibraryImport(Libc, EntryPoint = "mmap64", SetLastError = true)]
    public static partial nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int munmap(nint addr, nuint length);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int madvise(nint addr, nuint length, int advice);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int mlock(nint addr, nuint length);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial int kill(int pid, int sig);

    // long syscall(long number, ...): C long is pointer-sized on Linux (32 bits on armhf), so nint, not long.
    [LibraryImport(Libc, SetLastError = true)]
    private static partial nint syscall(nint number, int* uaddr, int op, int val, Timespec* timeout, nint uaddr2, int val3);

    /// <summary>The kernel's timespec as the futex syscall reads it: two C longs (32-bit each on 32-bit ARM and x86).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    /// <summary>__NR_futex of each architecture .NET runs on (the 32-bit ones take the 32-bit timespec above).</summary>
    private static nint FutexSyscallNumber => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        Architecture.Arm => 240, // EABI
        Architecture.X86 => 240,
        Architecture.RiscV64 or Architecture.LoongArch64 => 98, // asm-generic
        _ => throw new PlatformNotSupportedException($"futex: unknown syscall number for {RuntimeInformation.ProcessArchitecture}"),
    };

    /// <summary>True unless the kernel says no process has this pid (signal 0 only checks existence).</summary>
    public static bool ProcessExists(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        return kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() != Esrch;
    }

    /// <summary>Sleeps while <c>*word == expected</c>, at most <paramref name="timeoutNanoseconds"/> (below a second or not); works across processes on shared mappings.</summary>
    public static void FutexWaitShared(int* word, int expected, long timeoutNanoseconds)
    {
        // Seconds fit a 32-bit time_t for any timeout shorter than 68 years; callers wait at most milliseconds.
        Timespec timeout = new() { Seconds = (nint)(timeoutNanoseconds / 1_000_000_000), Nanoseconds = (nint)(timeoutNanoseconds % 1_000_000_000) };
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
