using System.CommandLine;
using ParquetFlow.Collector;
using ParquetFlow.Collector.Images;
using ParquetFlow.Collector.RawLog;

namespace ParquetFlow.Cli.Commands;

/// <summary><c>pqflow replay</c>: rebuilds the register images from a collector's raw log.</summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "The collector's data directory (its raw/ log is read)", DefaultValueFactory = _ => "collector-data" };
        var image = new Option<string?>("--image") { Description = "Where to write the rebuilt images (default DATA/image.replayed.bin)" };
        var command = new Command("replay", "Rebuild register images from a collector's raw log, exactly as the live run built them.");
        command.Options.Add(data);
        command.Options.Add(image);
        command.SetAction(parse =>
        {
            string directory = parse.GetValue(data)!;
            string output = parse.GetValue(image) ?? Path.Combine(directory, "image.replayed.bin");
            var reader = new RawLogReader();
            var images = new RegisterImages();
            try
            {
                long frames = Replay.Images(Path.Combine(directory, "raw"), images, reader, out long registers);
                images.Save(output);
                foreach (string problem in reader.Problems)
                {
                    Console.Error.WriteLine($"pqflow replay: {problem}");
                }

                Console.WriteLine($"replayed {frames:N0} frames ({registers:N0} register values) into {images.Sources.Count} source image(s), {images.SequenceGaps} sequence gap(s); wrote {Path.GetFullPath(output)}");
                return 0;
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                Console.Error.WriteLine($"pqflow replay: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
