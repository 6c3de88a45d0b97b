// The pqflow command-line tool: a thin shell over the ParquetFlow libraries.
using System.CommandLine;
using ParquetFlow.Cli;
using ParquetFlow.Cli.Commands;

var root = new RootCommand("ParquetFlow: binary telemetry to Parquet, shared memory and store-and-forward.");
foreach (Command command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

// `serve --config FILE` (the Debian unit's /etc/pqflow/serve.conf) becomes the options it holds, before parsing.
return Runner.Run(root, args, expand: a => ConfigFile.Expand(a, "serve"));
