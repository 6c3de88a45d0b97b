using System.CommandLine;
using ParquetFlow.Durability;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;

namespace ParquetFlow.Cli.Commands;

/// <summary><c>pqflow recover FILE</c>: turns a sink file cut off mid-write into a valid file with every whole row group.</summary>
internal static class RecoverCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "File left in progress by a crashed sink (its FILE.journal must be beside it)" };
        var command = new Command("recover", "Make a Parquet file cut off while a sink wrote it valid again, keeping every whole row group; a FILE.inprogress is renamed to FILE. Exits 0 when nothing was lost, 3 when unfinished data was discarded, 1 when the file cannot be recovered.");
        command.Arguments.Add(file);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            if (Directory.Exists(path))
            {
                Console.Error.WriteLine($"pqflow recover: {path}: is a directory, not a Parquet file");
                return 1;
            }

            try
            {
                RecoveryResult result;
                using (var progress = new Progress("recover"))
                {
                    long size = new FileInfo(path).Length;
                    result = ParquetRecovery.Recover(path, progress: progress.Counter(size, checkedBytes => $"{checkedBytes / 1048576.0:F0} of {size / 1048576.0:F0} MiB checked"));
                }
                string final = path;
                if (path.EndsWith(ParquetRecovery.InProgressSuffix, StringComparison.Ordinal))
                {
                    final = path[..^ParquetRecovery.InProgressSuffix.Length];
                    Storage.Default.MoveDurably(path, final, overwrite: false);
                }

                if (result.WasComplete && result.DamagedPage is not null)
                {
                    Console.Error.WriteLine($"pqflow recover: {final}: complete but damaged: {result.DamagedPage}");
                    return 1;
                }

                Console.Out.WriteLine(result.WasComplete
                    ? $"{final}: already complete ({result.RowGroups} row groups, {result.Rows} rows); nothing to do"
                    : $"{final}: recovered {result.RowGroups} row groups, {result.Rows} rows; {result.BytesDiscarded} bytes of unfinished data discarded");
                if (result.DamagedPage is not null)
                {
                    Console.Error.WriteLine($"pqflow recover: {final}: damaged page, the file was cut back before its row group: {result.DamagedPage}");
                }

                if (result.BytesDiscarded > 0)
                {
                    // The file is valid now, but it keeps less than it held: say so, and let scripts tell.
                    Console.Error.WriteLine($"pqflow recover: {final}: {result.BytesDiscarded} bytes after the last journaled row group were not recoverable");
                    return 3;
                }

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
