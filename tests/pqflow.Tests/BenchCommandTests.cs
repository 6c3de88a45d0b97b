using System.Globalization;
using System.Text.RegularExpressions;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Cli.Tests;

/// <summary>
/// The benchmark harnesses live in bench/ParquetFlow.Bench behind <c>pqflow bench collector|shm|store</c>; the names
/// they had before (<c>pqflow shm bench</c>, <c>pqflow store bench</c>) still run them for scripts but are hidden from help.
/// </summary>
public sealed class BenchCommandTests
{
    [Fact]
    public void Bench_lists_the_collector_shm_and_store_harnesses_and_hides_the_consumer()
    {
        (int exit, string stdout, _) = PqflowProcess.Run("bench", "--help");
        Assert.Equal(0, exit);
        foreach (string harness in new[] { "collector", "shm", "store" })
        {
            Assert.Matches($@"(?m)^\s+{harness}\s", stdout);
        }

        Assert.DoesNotContain("shm-consumer", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_store_stm32_accounts_every_sector_and_the_old_name_still_runs_it()
    {
        foreach (string[] arguments in new[] { new[] { "bench", "store", "--what", "stm32" }, new[] { "store", "bench", "--what", "stm32" } })
        {
            (int exit, string stdout, string stderr) = PqflowProcess.Run(arguments);
            Assert.True(exit == 0, $"{string.Join(' ', arguments)} exited {exit}: {stderr}");
            Match accounted = Regex.Match(stdout, @"accounted (\d+) B of (\d+) B");
            Assert.True(accounted.Success, stdout);
            Assert.True(long.Parse(accounted.Groups[1].Value, CultureInfo.InvariantCulture) <= long.Parse(accounted.Groups[2].Value, CultureInfo.InvariantCulture), stdout);
        }

        (_, string storeHelp, _) = PqflowProcess.Run("store", "--help");
        Assert.DoesNotMatch(@"(?m)^\s+bench\s", storeHelp);
    }

    [Fact]
    public void A_bench_option_out_of_range_is_a_usage_error()
    {
        (int exit, _, string stderr) = PqflowProcess.Run("bench", "collector", "--clients", "many");
        Assert.Equal(2, exit);
        Assert.StartsWith("pqflow bench collector:", stderr, StringComparison.Ordinal);
    }
}
