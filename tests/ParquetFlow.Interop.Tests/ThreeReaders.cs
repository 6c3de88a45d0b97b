namespace ParquetFlow.Interop.Tests;

/// <summary>Reads a written <see cref="GeneratedTable"/> with Arrow C++, DuckDB and Parquet.Net and checks each against it.</summary>
internal static class ThreeReaders
{
    public static async Task AssertReadBackAsync(
        DuckDbSession duck,
        GeneratedTable table,
        string path,
        string context,
        bool booleansRequestedRle = false,
        bool lz4V2Optional = false,
        bool statistics = true)
    {
        Verify.Matches(table, ArrowReader.Read(path, table.Cases), Verify.Reader.Arrow, context, statistics);
        Verify.Matches(table, duck.Read(path, table.Cases, statistics), Verify.Reader.DuckDb, context, statistics);
        IReadOnlySet<string> netSkip = ReaderGaps.ParquetNetCannotDecode(path, table.Cases, booleansRequestedRle, lz4V2Optional);
        Verify.Matches(table, await ParquetNetReader.ReadAsync(path, table.Cases, netSkip), Verify.Reader.ParquetNet, context, statistics, netSkip);
    }
}
