// Linked into the test projects whose durability tests loop: how much of each loop to run where the tests run.
namespace ParquetFlow.Tests.Shared;

internal static class TestScale
{
    /// <summary>
    /// True in the arm64 leg (scripts/test-arm64.sh), where qemu-user runs every instruction about ten times slower than
    /// the x64 host. The loops below prove the same property on every step; x64 runs every step, arm64 a spread sample of
    /// them, so that the whole suite stays inside its 15 minutes.
    /// </summary>
    public static bool Emulated { get; } = Environment.GetEnvironmentVariable(BuiltPaths.RuntimeVariable) is { Length: > 0 };

    /// <summary>How far a loop over cut points, offsets or lengths steps: 1 on x64, 4 under emulation.</summary>
    public static int Stride => Emulated ? 4 : 1;

    /// <summary><paramref name="count"/> on x64; a third of it (at least <paramref name="minimum"/>) under emulation.</summary>
    public static int Count(int count, int minimum = 1) => Emulated ? Math.Max(minimum, count / 3) : count;
}
