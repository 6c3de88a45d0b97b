using System.CommandLine;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;

namespace ParquetFlow.Cli.Commands;

/// <summary><c>pqflow recover FILE</c>: turns a sink file cut off mid-write into a valid file with every whole row group.</summary>
internal static class RecoverCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "File left in progress by a crashed sink (its FILE.journal must be beside it)" };
        var command = new Command("recover", "Make a Parquet file cut off while a sink wrote it valid again, keeping every whole row group; a FILE.inprogress is renamed to FILE.");
        command.Arguments.Add(file);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            try
            {
                RecoveryResult result = ParquetRecovery.Recover(path);
                string final = path;
                if (path.EndsWith(ParquetRecovery.InProgressSuffix, StringComparison.Ordinal))
                {
                    final = path[..^ParquetRecovery.InProgressSuffix.Length];
                    File.Move(path, final, overwrite: false);
                }

                Console.Out.WriteLine(result.WasComplete
                    ? $"{final}: already complete ({result.RowGroups} row groups, {result.Rows} rows); nothing to do"
                    : $"{final}: recovered {result.RowGroups} row groups, {result.Rows} rows; {result.BytesDiscarded} bytes of unfinished data discarded");
                return 0;
            }
            catch (Exception e) when (e is InvalidDataException or ParquetFormatException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"pqflow recover: {path}: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
