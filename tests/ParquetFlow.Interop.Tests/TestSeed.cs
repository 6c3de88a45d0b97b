using System.Globalization;

namespace ParquetFlow.Interop.Tests;

/// <summary>
/// The run's base seed: <c>PQFLOW_INTEROP_SEED</c> when set (to reproduce a failure), otherwise random. Tests derive
/// their own seed from it and their parameters, and print both.
/// </summary>
internal static class TestSeed
{
    public const string Variable = "PQFLOW_INTEROP_SEED";

    public static int Base { get; } = int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed)
        ? seed
        : Random.Shared.Next();

    /// <summary>A seed for one test case, stable for a given base seed and <paramref name="parts"/>.</summary>
    public static int For(params object[] parts)
    {
        // FNV-1a over the invariant text: string.GetHashCode is randomized per process and would not reproduce.
        uint hash = 2_166_136_261;
        foreach (char ch in string.Join("|", parts.Select(p => Convert.ToString(p, CultureInfo.InvariantCulture))) + "|" + Base.ToString(CultureInfo.InvariantCulture))
        {
            hash = (hash ^ ch) * 16_777_619;
        }

        return (int)(hash & int.MaxValue);
    }

    public static string Describe(int seed) => $"seed {seed} (base {Base}; rerun with {Variable}={Base})";
}
