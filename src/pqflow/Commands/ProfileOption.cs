using System.CommandLine;
using ParquetFlow.Parquet;

namespace ParquetFlow.Cli.Commands;

/// <summary>
/// The <c>--profile</c> option of every command that writes Parquet (demo, shm record, serve, replay): the writer
/// profile, defined once here so that each command offers the same names and help.
/// </summary>
internal static class ProfileOption
{
    public static Option<ParquetProfile> Create()
    {
        var option = new Option<ParquetProfile>("--profile")
        {
            Description = "Parquet encodings: compatible (PLAIN and dictionary, data pages v1: every reader reads the files, Parquet.Net and Spark before 3.3 included) "
                + "or compact (delta, byte-stream-split, RLE booleans, data pages v2: smaller files for DuckDB, Arrow, pandas, Spark 3.3+)",
            HelpName = "compatible|compact",
            DefaultValueFactory = _ => ParquetProfile.Compatible,
        };
        option.CompletionSources.Clear();
        option.CompletionSources.Add("compatible", "compact");
        return option;
    }
}
