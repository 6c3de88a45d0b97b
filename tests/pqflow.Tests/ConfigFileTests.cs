using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Cli.Tests;

/// <summary><c>pqflow serve --config FILE</c>: the Debian unit's options in a file, overridable on the command line.</summary>
public sealed class ConfigFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_file_becomes_options_and_the_command_line_replaces_what_it_names()
    {
        string path = Write(
            "# the collector",
            "port = 9000",
            "",
            "data = \"/var/lib/pqflow/collector\"",
            "listen = 0.0.0.0:9001:simple",
            "listen = 9002",
            "  retention-min-free = 10%  ",
            "some-flag");
        string[] expanded = ConfigFile.Expand(["serve", "--config", path, "--port", "0", "--listen", "7000"], "serve");
        Assert.Equal(["serve", "--data", "/var/lib/pqflow/collector", "--retention-min-free", "10%", "--some-flag", "--port", "0", "--listen", "7000"], expanded);

        // --config=FILE works too; other commands and runs without --config are left alone.
        Assert.Equal(["serve", "--port", "9000", "--data", "/var/lib/pqflow/collector", "--listen", "0.0.0.0:9001:simple", "--listen", "9002", "--retention-min-free", "10%", "--some-flag"],
            ConfigFile.Expand(["serve", "--config=" + path], "serve"));
        Assert.Equal(["inspect", "--config", path], ConfigFile.Expand(["inspect", "--config", path], "serve"));
        Assert.Equal(["serve", "--port", "1"], ConfigFile.Expand(["serve", "--port", "1"], "serve"));
    }

    [Theory]
    [InlineData("--port = 1")]
    [InlineData("= 1")]
    [InlineData("port 9000")]
    [InlineData("config = other.conf")]
    public void A_line_that_is_not_an_option_is_refused_with_its_file_and_line(string line)
    {
        string path = Write("port = 9000", line);
        CommandLineException e = Assert.Throws<CommandLineException>(() => ConfigFile.Expand(["serve", "--config", path], "serve"));
        Assert.StartsWith($"{path}:2: ", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, e.ExitCode);
    }

    [Fact]
    public void Pqflow_serve_refuses_a_bad_file_with_exit_2_and_a_missing_one_with_exit_1_in_one_line()
    {
        string bad = Write("port = 0", "no such line form = x y");
        (int exit, _, string stderr) = PqflowProcess.Run("serve", "--config", bad);
        Assert.Equal(2, exit);
        Assert.Equal($"pqflow serve: {bad}:2: 'no such line form = x y' is not 'name = value' with the name of an option (without its dashes)", stderr.Trim());

        (exit, _, stderr) = PqflowProcess.Run("serve", "--config", Path.Combine(_directory, "missing.conf"));
        Assert.Equal(1, exit);
        Assert.StartsWith("pqflow serve: --config: ", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd().Split('\n'));

        // An option the file names that serve does not have is a usage error like a typed one.
        (exit, _, stderr) = PqflowProcess.Run("serve", "--config", Write("prot = 9000"));
        Assert.Equal(2, exit);
        Assert.Contains("--prot", stderr, StringComparison.Ordinal);
    }

    private string Write(params string[] lines)
    {
        string path = Path.Combine(_directory, $"serve-{Guid.NewGuid():N}.conf");
        File.WriteAllLines(path, lines);
        return path;
    }
}
