using System.CommandLine;

namespace ParquetFlow.Cli.Commands;

/// <summary><c>pqflow demo</c>: the main job on built-in defaults.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Write a market-data Parquet file on built-in defaults and describe it.");
        command.SetAction(_ =>
        {
            Console.WriteLine("demo: the Parquet writer is being built");
            return 0;
        });
        return command;
    }
}
