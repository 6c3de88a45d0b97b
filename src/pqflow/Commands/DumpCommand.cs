using System.CommandLine;
using ParquetFlow.Ipc;

namespace ParquetFlow.Cli.Commands;

/// <summary><c>pqflow dump [-n BYTES] FILE</c>: hex dump of a MappedRing file, the source document's <c>buffer_dump</c>.</summary>
internal static class DumpCommand
{
    public static Command Create()
    {
        var bytes = new Option<int>("-n", "--bytes") { Description = "Bytes to dump per slot", DefaultValueFactory = _ => 64 };
        var file = new Argument<string>("file") { Description = "A MappedRing file" };
        var command = new Command("dump", "Dump the header and slots of a persistent MappedRing file.");
        command.Options.Add(bytes);
        command.Arguments.Add(file);
        command.SetAction(parseResult =>
        {
            string path = parseResult.GetValue(file)!;
            int n = parseResult.GetValue(bytes);
            if (n < 0)
            {
                Console.Error.WriteLine("pqflow dump: -n must be 0 or more");
                return 2;
            }

            try
            {
                MappedRingDump.Write(path, n, Console.Out);
                return 0;
            }
            catch (InvalidRingFileException e)
            {
                Console.Error.WriteLine($"pqflow dump: {e.Message}");
                return 1;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"pqflow dump: {path}: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
