namespace ParquetFlow.Cli;

/// <summary>
/// A command's options kept in a file (<c>pqflow serve --config /etc/pqflow/serve.conf</c>): one option a line as
/// <c>name = value</c> (the option's long name without its dashes; the value may be in double quotes), a name alone for
/// a flag, a name repeated for a repeatable option (<c>listen</c>); blank lines and lines starting with <c>#</c> are
/// skipped. An option given on the command line replaces every line of that name in the file, so a unit's file holds the
/// defaults and a manual run overrides any of them. The file's options are checked exactly as typed ones are.
/// </summary>
public static class ConfigFile
{
    public const string OptionName = "--config";

    /// <summary>
    /// <paramref name="args"/> with <c>--config FILE</c> (or <c>--config=FILE</c>) replaced by the file's options, when
    /// <paramref name="args"/> runs <paramref name="command"/>; otherwise <paramref name="args"/> as they are. Throws
    /// <see cref="CommandLineException"/> (exit 2) for a line that is not an option, <see cref="IOException"/> or
    /// <see cref="UnauthorizedAccessException"/> (exit 1) when the file cannot be read.
    /// </summary>
    public static string[] Expand(string[] args, string command)
    {
        if (args.Length == 0 || args[0] != command)
        {
            return args;
        }

        string? path = null;
        var given = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == OptionName)
            {
                path = i + 1 < args.Length ? args[++i] : throw new CommandLineException($"{OptionName} needs a file");
            }
            else if (args[i].StartsWith(OptionName + "=", StringComparison.Ordinal))
            {
                path = args[i][(OptionName.Length + 1)..];
            }
            else
            {
                given.Add(args[i]);
            }
        }

        if (path is null)
        {
            return args;
        }

        var onCommandLine = new HashSet<string>(given.Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a.Split('=', 2)[0]), StringComparer.Ordinal);
        var expanded = new List<string> { command };
        foreach ((string name, string? value) in Read(path))
        {
            if (onCommandLine.Contains(name))
            {
                continue;
            }

            expanded.Add(name);
            if (value is not null)
            {
                expanded.Add(value);
            }
        }

        expanded.AddRange(given);
        return [.. expanded];
    }

    /// <summary>The file's options in order: ("--name", value), value null for a flag.</summary>
    public static IReadOnlyList<(string Name, string? Value)> Read(string path)
    {
        var options = new List<(string, string?)>();
        int number = 0;
        foreach (string raw in File.ReadLines(path))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            string name = (equals < 0 ? line : line[..equals]).Trim();
            string? value = equals < 0 ? null : line[(equals + 1)..].Trim();
            if (name.Length == 0 || name.StartsWith('-') || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-')) || name == OptionName[2..])
            {
                throw new CommandLineException($"{path}:{number}: '{raw.Trim()}' is not 'name = value' with the name of an option (without its dashes)");
            }

            if (value is { Length: >= 2 } && value[0] == '"' && value[^1] == '"')
            {
                value = value[1..^1];
            }

            options.Add(("--" + name, value));
        }

        return options;
    }
}
