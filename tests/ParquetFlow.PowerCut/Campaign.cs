using ParquetFlow.Durability.Faults;

namespace ParquetFlow.PowerCut;

/// <summary>
/// The loop every component's campaign shares: a run without a cut counts the calls a run makes through the storage
/// seam; then each cut runs the component on a recording <see cref="FaultyStorage"/> that loses power at a random call,
/// reverts the disk to what the cut leaves, and hands the promise the run made to the component's check.
/// </summary>
internal static class Campaign
{
    public static void Run<TPromise>(string component, Tally tally, int cuts, int seed, Func<FaultyStorage, string, Random, TPromise> live, Action<Cut, TPromise> check)
    {
        string scratch = Path.Combine(Path.GetTempPath(), $"pqflow-powercut-{component}-{Environment.ProcessId}-count");
        Directory.CreateDirectory(scratch);
        var counting = new FaultyStorage();
        try
        {
            live(counting, scratch, new Random(seed));
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }

        var random = new Random(seed);
        for (int n = 1; n <= cuts; n++)
        {
            using var cut = new Cut(component, n, random, counting.Calls);
            tally.Cuts++;
            if (Environment.GetEnvironmentVariable("PQFLOW_POWERCUT_TRACE") == n.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                cut.Storage.OnCall = (call, operation, path) => Console.Error.WriteLine($"  call {call}: {operation} {Path.GetRelativePath(cut.Directory, path)}");
            }

            try
            {
                TPromise promise = live(cut.Storage, cut.Directory, new Random(random.Next()));
                cut.LosePower();
                check(cut, promise);
            }
            catch (Exception e)
            {
                // A run that fails other than by losing power, or a restart that cannot start, is a finding too.
                tally.AddAnomaly($"{cut}: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    /// <summary>True for what a run may see once the power is gone: every call through the seam fails.</summary>
    public static bool IsPowerLoss(Exception e, FaultyStorage storage) => storage.PoweredOff && e is IOException or AggregateException or InvalidOperationException or ObjectDisposedException;
}
