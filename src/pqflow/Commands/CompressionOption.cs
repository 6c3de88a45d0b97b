using System.CommandLine;
using ParquetFlow.Parquet;

namespace ParquetFlow.Cli.Commands;

/// <summary>
/// The <c>--compression</c> option of the commands that write Parquet: its help offers only the codecs the writer
/// writes, and one the format names but the writer does not (LZO, BROTLI, the legacy LZ4) is refused in one line.
/// </summary>
internal static class CompressionOption
{
    private static readonly string s_names = string.Join('|', CompressionCodecs.Writable);

    public static Option<CompressionCodec> Create(string description)
    {
        var option = new Option<CompressionCodec>("--compression")
        {
            Description = description,
            HelpName = s_names,
            DefaultValueFactory = _ => CompressionCodec.Zstd,
        };
        option.CompletionSources.Clear();
        option.CompletionSources.Add(CompressionCodecs.Writable.Select(c => c.ToString()).ToArray());
        return option;
    }

    /// <summary>The codec asked for, or false after saying on stderr why it cannot be written.</summary>
    public static bool TryGet(ParseResult parse, Option<CompressionCodec> option, string command, out CompressionCodec codec)
    {
        codec = parse.GetValue(option);
        if (CompressionCodecs.CanWrite(codec))
        {
            return true;
        }

        string why = codec == CompressionCodec.Lz4 ? " (the format deprecates the Hadoop-framed LZ4; Lz4Raw is its replacement)" : string.Empty;
        Console.Error.WriteLine($"pqflow {command}: --compression {codec} is not supported for writing{why}; use one of {string.Join(", ", CompressionCodecs.Writable)}");
        return false;
    }
}
