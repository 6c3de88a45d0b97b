using Microsoft.Extensions.Logging;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Cli.Tests;

/// <summary>The commands' logging: the libraries' entries on stderr, one line each, at the level PQFLOW_LOG_LEVEL names.</summary>
public sealed class ConsoleLoggingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-log-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(null, LogLevel.Information, true)]
    [InlineData("", LogLevel.Information, true)]
    [InlineData("warning", LogLevel.Warning, true)]
    [InlineData(" Debug ", LogLevel.Debug, true)]
    [InlineData("none", LogLevel.None, true)]
    [InlineData("loud", LogLevel.Information, false)]
    [InlineData("2", LogLevel.Information, false)]
    public void The_level_is_a_level_name_in_any_case_and_anything_else_is_information(string? value, LogLevel expected, bool known)
    {
        Assert.Equal(known, ConsoleLogging.TryParseLevel(value, out LogLevel level));
        Assert.Equal(expected, level);
    }

    [Fact]
    public void A_store_opened_by_a_command_logs_on_stderr_in_one_line_unless_the_level_hides_it()
    {
        string store = Path.Combine(_directory, "store");
        (int exit, string stdout, string stderr) = PqflowProcess.Run(new Dictionary<string, string?> { [ConsoleLogging.LevelVariable] = null }, "store", "stats", "--dir", store);
        Assert.True(exit == 0, stderr);
        string opened = $"opened store {store}: 0 sensors recovered (0 from their meta), 0 not recovered, 0 corrupt sectors skipped";
        Assert.Contains(stderr.Split('\n'), l => l.StartsWith("info: ParquetFlow.SensorStore.SensorStoreSystem[3000] ", StringComparison.Ordinal) && l.EndsWith(opened, StringComparison.Ordinal));
        Assert.DoesNotContain(opened, stdout, StringComparison.Ordinal);

        (exit, _, stderr) = PqflowProcess.Run(new Dictionary<string, string?> { [ConsoleLogging.LevelVariable] = "Warning" }, "store", "stats", "--dir", store);
        Assert.True(exit == 0, stderr);
        Assert.DoesNotContain("opened store", stderr, StringComparison.Ordinal);
    }
}
