// The pqflow command-line tool: a thin shell over the ParquetFlow libraries.
using System.CommandLine;
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
    string name = parse.CommandResult.Command.Name;
    Console.Error.WriteLine($"pqflow {name}: {e.Message}");
    return 1;
}
