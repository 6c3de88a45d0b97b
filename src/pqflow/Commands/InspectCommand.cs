using System.CommandLine;
using ParquetFlow.Cli.Inspect;
using ParquetFlow.Parquet;

namespace ParquetFlow.Cli.Commands;

/// <summary><c>pqflow inspect FILE</c>: schema, row groups, column chunks, encodings, codecs, sizes and statistics.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Parquet file to describe" };
        var pages = new Option<bool>("--pages") { Description = "Also list every page header (type, encoding, sizes, statistics) and check each page against its CRC-32; damaged pages exit 1" };
        Option<bool> json = CommonOptions.Json();
        var command = new Command("inspect", "Describe a Parquet file: schema (nested ones as a tree), row groups, column chunks, encodings, codecs, sizes, statistics.");
        command.Arguments.Add(file);
        command.Options.Add(pages);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            try
            {
                int damaged = parse.GetValue(json) ? WriteJson(path, parse.GetValue(pages)) : FileReport.Write(Console.Out, path, parse.GetValue(pages));
                if (damaged > 0)
                {
                    Console.Out.Flush();
                    Console.Error.WriteLine($"pqflow inspect: {path}: {damaged} damaged page(s) (their bytes do not match the CRC-32 in their header)");
                    return 1;
                }

                return 0;
            }
            catch (Exception e) when (e is ParquetFormatException or IOException or UnauthorizedAccessException)
            {
                // The footer reader refuses whatever it cannot describe with one of these; anything else is a bug to fix there.
                Console.Out.Flush();
                Console.Error.WriteLine($"pqflow inspect: {path}: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static int WriteJson(string path, bool pages)
    {
        // Read (and refused) before anything is printed, so a refusal never leaves half a document on stdout.
        ParquetFooter footer = ParquetFooter.Read(path);
        using var stream = pages ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite) : null;
        using var buffer = new MemoryStream();
        int damaged = 0;
        JsonOutput.Write(json => damaged = FileReportJson.Write(json, path, footer, stream), buffer);
        using Stream stdout = Console.OpenStandardOutput();
        buffer.WriteTo(stdout);
        return damaged;
    }
}
