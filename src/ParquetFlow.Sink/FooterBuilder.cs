using ParquetFlow.Parquet.Format;

namespace ParquetFlow.Sink;

/// <summary>
/// Rebuilds a file footer from a template — the serialized footer of an empty file with the same schema and
/// options, which holds the schema, key-value metadata, created_by and column orders — and the row groups found
/// on disk, through the Parquet library's own footer reader and writer.
/// </summary>
internal static class FooterBuilder
{
    public static byte[] Build(ReadOnlySpan<byte> template, IReadOnlyList<RowGroup> groups)
    {
        FileMetaData footer = FileMetaData.Read(template);
        footer.RowGroups.Clear();
        footer.RowGroups.AddRange(groups);
        footer.NumRows = groups.Sum(g => g.NumRows);
        return footer.Serialize();
    }
}
