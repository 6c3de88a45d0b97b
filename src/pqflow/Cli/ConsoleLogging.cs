// The one logger factory of the commands: the libraries' diagnostics on stderr, one line each, at the level PQFLOW_LOG_LEVEL names.
using Microsoft.Extensions.Logging;

namespace ParquetFlow.Cli;

/// <summary>
/// Creates the console logging every command that opens a sink, a store, an uploader, a ring or a collector hands to its
/// options: stderr only (stdout stays the command's output), single-line entries, minimum level from
/// <c>PQFLOW_LOG_LEVEL</c> (Trace, Debug, Information, Warning, Error, Critical or None; default Information).
/// Dispose the factory after what logs through it, so queued entries are written before the process exits.
/// </summary>
internal static class ConsoleLogging
{
    /// <summary>The environment variable naming the minimum level.</summary>
    public const string LevelVariable = "PQFLOW_LOG_LEVEL";

    /// <summary>A factory at the level of <see cref="LevelVariable"/>; an unknown level is said on stderr and Information used.</summary>
    public static ILoggerFactory Create()
    {
        string? value = Environment.GetEnvironmentVariable(LevelVariable);
        bool known = TryParseLevel(value, out LogLevel level);
        ILoggerFactory factory = LoggerFactory.Create(b => b
            .SetMinimumLevel(level)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(o => o.SingleLine = true));
        if (!known)
        {
            factory.CreateLogger("pqflow").LogWarning("{Variable}={Value} is not a log level (Trace, Debug, Information, Warning, Error, Critical, None); using Information", LevelVariable, value);
        }

        return factory;
    }

    /// <summary>
    /// The level <paramref name="value"/> names, case-insensitive; unset or empty is Information (true), anything else
    /// that is not a level's name is Information too (false).
    /// </summary>
    internal static bool TryParseLevel(string? value, out LogLevel level)
    {
        level = LogLevel.Information;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        if (!char.IsAsciiDigit(value.Trim()[0]) && Enum.TryParse(value.Trim(), ignoreCase: true, out LogLevel parsed) && Enum.IsDefined(parsed))
        {
            level = parsed;
            return true;
        }

        return false;
    }
}
