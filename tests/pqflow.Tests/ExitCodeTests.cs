using ParquetFlow.Tests.Shared;
namespace ParquetFlow.Cli.Tests;

/// <summary>
/// The CLI's contract with scripts: 0 done, 1 not done or not stored, 2 bad arguments; every failure one line on
/// stderr that names the command, never a stack trace, and nothing half-written on stdout.
/// </summary>
public sealed class ExitCodeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("pqflow inspect", "inspect")]
    [InlineData("pqflow serve", "serve", "--bogus")]
    [InlineData("pqflow serve", "serve", "--ring-memory", "0")]
    [InlineData("pqflow serve", "serve", "--row-memory", "-5")]
    [InlineData("pqflow", "no-such-command")]
    [InlineData("pqflow query", "query", "--source-id", "1", "zz")]
    [InlineData("pqflow demo", "demo", "--seconds", "-1")]
    [InlineData("pqflow demo", "demo", "--rows", "10")]
    [InlineData("pqflow demo", "demo", "--file", "--compression", "Lzo")]
    [InlineData("pqflow shm create", "shm", "create", "x", "-c", "price:decimal")]
    [InlineData("pqflow send", "send", "--port", "1", "--clients", "300")]
    [InlineData("pqflow send", "send", "--port", "1", "--clients", "0")]
    [InlineData("pqflow store upload", "store", "upload", "--dir", "/nonexistent/pqflow-store", "--failover", "127.0.0.1")]
    [InlineData("pqflow store upload", "store", "upload", "--dir", "/nonexistent/pqflow-store", "--failover", "broker:99999")]
    public void Bad_arguments_exit_2_with_one_line_naming_the_command(string prefix, params string[] arguments)
    {
        (int exit, string stdout, string stderr) = PqflowProcess.Run(arguments);
        Assert.Equal(2, exit);
        AssertOneLine(stderr, prefix);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("wrote", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_Parquet_exits_1_with_one_line_and_no_json_half_written()
    {
        string path = Path.Combine(_directory, "text.parquet");
        File.WriteAllText(path, "not parquet at all\n");
        foreach (string[] arguments in new[] { new[] { "inspect", path }, new[] { "inspect", "--json", path }, new[] { "inspect", "--json", _directory } })
        {
            (int exit, string stdout, string stderr) = PqflowProcess.Run(arguments);
            Assert.Equal(1, exit);
            AssertOneLine(stderr, "pqflow inspect:");
            if (arguments[1] == "--json")
            {
                Assert.Equal(string.Empty, stdout);
            }
        }
    }

    [Fact]
    public void A_command_that_cannot_store_exits_1_with_one_line()
    {
        string blocked = Path.Combine(_directory, "a-file");
        File.WriteAllText(blocked, "x");
        (int exit, string stdout, string stderr) = PqflowProcess.Run("demo", "--file", "--rows", "10", "--output", Path.Combine(blocked, "out.parquet"));
        Assert.Equal(1, exit);
        AssertOneLine(stderr, "pqflow demo:");
        Assert.DoesNotContain("wrote", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_collector_that_is_not_there_exits_1()
    {
        (int exit, _, string stderr) = PqflowProcess.Run("query", "--port", "1", "--source-id", "1", "10");
        Assert.Equal(1, exit);
        AssertOneLine(stderr, "pqflow query:");
    }

    [Fact]
    public void Help_exits_0_on_stdout()
    {
        (int exit, string stdout, string stderr) = PqflowProcess.Run("inspect", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("--json", stdout, StringComparison.Ordinal);
        Assert.Equal(string.Empty, stderr);
    }

    /// <summary>stderr is exactly one line (progress lines aside, which never end a failure) starting with <paramref name="prefix"/>.</summary>
    private static void AssertOneLine(string stderr, string prefix)
    {
        string[] lines = stderr.TrimEnd('\n').Split('\n').Where(l => !l.StartsWith("generating ", StringComparison.Ordinal)).ToArray();
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{stderr}");
        Assert.StartsWith(prefix, lines[0], StringComparison.Ordinal);
    }
}
