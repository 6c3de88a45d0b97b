using System.Runtime.InteropServices;

namespace ParquetFlow.Sink;

/// <summary>
/// Pins the calling thread to one CPU (Linux <c>sched_setaffinity</c>), as latency-critical loggers do with their hot
/// and back-end threads: a pinned hot thread is not migrated, and a pinned writer never lands on the hot thread's CPU.
/// </summary>
public static partial class ThreadAffinity
{
    /// <summary>Pins the calling OS thread to <paramref name="cpu"/>; false where that is not possible (not Linux, a CPU outside the allowed set).</summary>
    public static unsafe bool TryPinCurrentThread(int cpu)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cpu);
        if (!OperatingSystem.IsLinux() || cpu >= 1024)
        {
            return false;
        }

        ulong* mask = stackalloc ulong[16];
        new Span<ulong>(mask, 16).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        try
        {
            return SchedSetAffinity(0, 16 * sizeof(ulong), mask) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static unsafe partial int SchedSetAffinity(int pid, nint size, ulong* mask);
}
