namespace ParquetFlow.Interop.Tests;

/// <summary>
/// Reads a written <see cref="GeneratedTable"/> with Arrow C++, DuckDB and Parquet.Net and checks each against it;
/// <c>defaultProfile</c> files get no Parquet.Net reader gap at all.
/// </summary>
internal static class ThreeReaders
{
    public static async Task AssertReadBackAsync(
        DuckDbSession duck,
        GeneratedTable table,
        string path,
        string context,
        bool booleansRequestedRle = false,
        bool lz4V2Optional = false,
        bool statistics = true,
        bool defaultProfile = false)
    {
        Verify.Matches(table, ArrowReader.Read(path, table.Cases), Verify.Reader.Arrow, context, statistics);
        Verify.Matches(table, duck.Read(path, table.Cases, statistics), Verify.Reader.DuckDb, context, statistics);
        IReadOnlySet<string> netSkip = ReaderGaps.ParquetNetCannotDecode(path, table.Cases, booleansRequestedRle, lz4V2Optional);
        if (defaultProfile)
        {
            // The default profile's promise: Parquet.Net reads every column, so no reader gap may apply.
            Assert.True(netSkip.Count == 0, $"{context}: the default profile wrote columns Parquet.Net cannot read: {string.Join(", ", netSkip)}");
        }

        Verify.Matches(table, await ParquetNetReader.ReadAsync(path, table.Cases, netSkip), Verify.Reader.ParquetNet, context, statistics, netSkip);
    }
}
