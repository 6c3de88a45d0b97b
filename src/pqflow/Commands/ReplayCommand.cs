using System.CommandLine;
using Microsoft.Extensions.Logging;
using ParquetFlow.Collector;
using ParquetFlow.Collector.Images;
using ParquetFlow.Collector.Output;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Parquet;

namespace ParquetFlow.Cli.Commands;

/// <summary><c>pqflow replay</c>: rebuilds the register images and/or the Parquet dataset from a collector's raw log.</summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "The collector's data directory (its raw/ log is read)", DefaultValueFactory = _ => "collector-data" };
        var image = new Option<string?>("--image") { Description = "Where to write the rebuilt images (default DATA/image.replayed.bin)" };
        var noImage = new Option<bool>("--no-image") { Description = "Do not rebuild the images" };
        Option<ParquetProfile> profile = ProfileOption.Create();
        var parquet = new Option<string?>("--parquet") { Description = "Also rebuild the Parquet dataset (source=TYPE-ID/date=YYYY-MM-DD/ partitions) into this new or empty directory" };
        var command = new Command("replay", "Rebuild register images and/or Parquet files from a collector's raw log, exactly as the live run built them.");
        command.Options.Add(data);
        command.Options.Add(image);
        command.Options.Add(noImage);
        command.Options.Add(parquet);
        command.Options.Add(profile);
        command.SetAction(parse =>
        {
            string directory = parse.GetValue(data)!;
            string? parquetDirectory = parse.GetValue(parquet);
            bool withImages = !parse.GetValue(noImage);
            if (!withImages && parquetDirectory is null)
            {
                Console.Error.WriteLine("pqflow replay: --no-image without --parquet leaves nothing to rebuild");
                return 2;
            }

            if (parquetDirectory is not null && Directory.Exists(parquetDirectory) && Directory.EnumerateFileSystemEntries(parquetDirectory).Any())
            {
                Console.Error.WriteLine($"pqflow replay: {parquetDirectory} is not empty; replay Parquet into a new or empty directory");
                return 2;
            }

            string output = parse.GetValue(image) ?? Path.Combine(directory, "image.replayed.bin");
            var reader = new RawLogReader();
            RegisterImages? images = withImages ? new RegisterImages() : null;
            try
            {
                ReplayResult result;
                long lost = 0;
                using ILoggerFactory logging = ConsoleLogging.Create();
                using (ParquetOutput? rows = parquetDirectory is null ? null : new ParquetOutput(parquetDirectory, profile: parse.GetValue(profile), logger: logging.CreateLogger<ParquetOutput>()))
                using (var progress = new Progress("replay"))
                {
                    result = Replay.Run(Path.Combine(directory, "raw"), reader, images, rows, progress.Counter(null, frames => $"{frames:N0} frames"));
                    rows?.Dispose();
                    lost = rows?.Lost ?? 0;
                }

                if (lost > 0)
                {
                    Console.Error.WriteLine($"pqflow replay: {lost:N0} Parquet rows were lost to write errors");
                    return 1;
                }

                foreach (string problem in reader.Problems)
                {
                    Console.Error.WriteLine($"pqflow replay: {problem}");
                }

                Console.WriteLine($"replayed {result.Frames:N0} frames ({result.Registers:N0} register values)");
                if (images is not null)
                {
                    images.Save(output, covers: result.End);
                    Console.WriteLine($"images: {images.Sources.Count} source(s), {images.SequenceGaps} sequence gap(s); wrote {Path.GetFullPath(output)}");
                }

                if (parquetDirectory is not null)
                {
                    Console.WriteLine($"parquet: {result.Registers:N0} rows written under {Path.GetFullPath(parquetDirectory)}");
                }

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
