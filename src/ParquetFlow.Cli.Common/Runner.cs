using System.CommandLine;
using System.CommandLine.Parsing;
using ParquetFlow.Parquet;

namespace ParquetFlow.Cli;

/// <summary>
/// A command-line failure a command reports by throwing: <see cref="Runner"/> prints its message in one line on
/// stderr, prefixed with the command's path, and exits with <see cref="ExitCode"/> (2 = bad arguments, the default).
/// </summary>
public sealed class CommandLineException(string message, int exitCode = Runner.ExitUsage) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>
/// Runs one <c>pqflow</c> invocation, the one place that turns failures into exit codes and one line on stderr (never
/// a stack trace): 0 done; 1 not done or not stored (I/O errors, damaged input, refusals the command reports);
/// 2 bad arguments (a parse error, or <see cref="CommandLineException"/>); a command may return others it documents
/// (<c>recover</c>: 3).
/// </summary>
public static class Runner
{
    public const int ExitFailed = 1;
    public const int ExitUsage = 2;

    /// <param name="expand">Rewrites the arguments before they are parsed (<see cref="ConfigFile.Expand"/>); its failures are reported like a command's.</param>
    public static int Run(RootCommand root, string[] args, TextWriter? error = null, Func<string[], string[]>? expand = null)
    {
        TextWriter stderr = error ?? Console.Error;
        if (expand is not null)
        {
            try
            {
                args = expand(args);
            }
            catch (CommandLineException e)
            {
                stderr.WriteLine($"pqflow {args[0]}: {e.Message}");
                return e.ExitCode;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"pqflow {args[0]}: {ConfigFile.OptionName}: {e.Message}");
                return ExitFailed;
            }
        }

        ParseResult parse = root.Parse(args);
        string path = CommandPath(parse.CommandResult);
        if (parse.Errors.Count > 0)
        {
            stderr.WriteLine($"{path}: {string.Join("; ", parse.Errors.Select(e => e.Message.TrimEnd('.')))} (see {path} --help)");
            return ExitUsage;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (CommandLineException e)
        {
            stderr.WriteLine($"{path}: {e.Message}");
            return e.ExitCode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or NotSupportedException or ParquetFormatException
            or FormatException or OverflowException or ArgumentException)
        {
            // A command that could not store what it was asked to says so in one line and fails: an I/O error, damaged
            // input, or input the libraries refuse (a value that does not parse or fit, a row that does not match a schema).
            stderr.WriteLine($"{path}: {e.Message}");
            return ExitFailed;
        }
    }

    /// <summary>"pqflow store simulate": the names from the root down to the command that ran.</summary>
    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? r = command; r is not null; r = r.Parent)
        {
            if (r is CommandResult c)
            {
                names.Add(c.Parent is null ? "pqflow" : c.Command.Name);
            }
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
