// The pqflow command-line tool: a thin shell over the ParquetFlow libraries.
using System.CommandLine;
using System.CommandLine.Parsing;
using ParquetFlow.Cli.Commands;

var root = new RootCommand("ParquetFlow: binary telemetry to Parquet, shared memory and store-and-forward.");
foreach (Command command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

ParseResult parse = root.Parse(args);
try
{
    return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or NotSupportedException)
{
    // A command that could not store what it was asked to says so in one line and fails; never a stack trace.
    Console.Error.WriteLine($"{CommandPath(parse.CommandResult)}: {e.Message}");
    return 1;
}

// "pqflow store simulate": the names from the root down to the command that ran.
static string CommandPath(CommandResult command)
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
