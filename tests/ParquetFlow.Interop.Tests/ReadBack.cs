namespace ParquetFlow.Interop.Tests;

/// <summary>Statistics of one column chunk as a reader reports them, values in canonical form.</summary>
internal sealed record ChunkStatistics(int RowGroup, int Column, long? NullCount, string? Min, string? Max);

/// <summary>What one reader made of a file: canonical values per column, the types it reports, chunk statistics.</summary>
internal sealed class ReadBack
{
    public ReadBack(string reader, int columns)
    {
        Reader = reader;
        Values = new List<string?>[columns];
        for (int i = 0; i < columns; i++)
        {
            Values[i] = [];
        }
    }

    public string Reader { get; }

    public List<string?>[] Values { get; }

    public List<string> Types { get; } = [];

    public List<ChunkStatistics> Statistics { get; } = [];

    public int RowGroups { get; set; }
}
