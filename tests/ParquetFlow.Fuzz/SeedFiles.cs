using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Fuzz;

/// <summary>
/// The seed corpus of the coverage-guided run: small valid files (afl-fuzz works best on inputs of a few KiB) from the
/// project's writer, and one whose footer is rewritten to a nested schema (a list and a struct), since the writer writes
/// flat files only.
/// </summary>
internal static class SeedFiles
{
    public static void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var schema = new ParquetSchema(
            ColumnDescriptor.Timestamp("ts", TimeUnit.Nanos),
            ColumnDescriptor.String("s", nullable: true),
            ColumnDescriptor.Int32("i", nullable: true, LogicalType.Integer(16, true)));
        int n = 0;
        foreach ((CompressionCodec codec, DataPageVersion version) in new[] { (CompressionCodec.Uncompressed, DataPageVersion.V1), (CompressionCodec.Snappy, DataPageVersion.V2) })
        {
            byte[] file = WriteFile(schema, new ParquetWriterOptions { Compression = codec, DataPageVersion = version, MaxRowsPerPage = 8 }, 2);
            File.WriteAllBytes(Path.Combine(directory, $"seed-{n++}.parquet"), file);
        }

        File.WriteAllBytes(Path.Combine(directory, $"seed-{n}.parquet"), Nested());
    }

    private static byte[] WriteFile(ParquetSchema schema, ParquetWriterOptions options, int groups)
    {
        var stream = new MemoryStream();
        using (var writer = new ParquetFileWriter(stream, schema, options, leaveOpen: true))
        {
            for (int g = 0; g < groups; g++)
            {
                const int rows = 12;
                writer.Write(
                [
                    ColumnData.From<long>(Enumerable.Range(0, rows).Select(r => 1_700_000_000_000_000_000L + r).ToArray()),
                    ColumnData.FromStrings(Enumerable.Range(0, rows).Select(r => r % 5 == 0 ? null : "v" + (r % 3)).ToArray()),
                    ColumnData.From<int>(Enumerable.Range(0, rows).Where(r => r % 4 != 0).ToArray(), Enumerable.Range(0, rows).Select(r => (byte)(r % 4 == 0 ? 0 : 1)).ToArray()),
                ]);
            }
        }

        return stream.ToArray();
    }

    /// <summary>A two-leaf file whose footer says: <c>tags (LIST) { repeated list { optional element } }, point { v }</c>.</summary>
    private static byte[] Nested()
    {
        var schema = new ParquetSchema(ColumnDescriptor.Int32("element", nullable: true), ColumnDescriptor.Int64("v"));
        var stream = new MemoryStream();
        using (var writer = new ParquetFileWriter(stream, schema, new ParquetWriterOptions(), leaveOpen: true))
        {
            writer.Write([ColumnData.From<int>(new[] { 1, 2 }, new byte[] { 1, 0, 1 }), ColumnData.From<long>(new long[] { 7, 8, 9 })]);
        }

        byte[] flat = stream.ToArray();
        int footerLength = BitConverter.ToInt32(flat, flat.Length - 8);
        int footerStart = flat.Length - 8 - footerLength;
        FileMetaData meta = FileMetaData.Read(flat.AsSpan(footerStart, footerLength));
        SchemaElement element = meta.Schema[1];
        SchemaElement v = meta.Schema[2];
        meta.Schema.Clear();
        meta.Schema.Add(new SchemaElement { Name = "schema", NumChildren = 2 });
        meta.Schema.Add(new SchemaElement { Name = "tags", NumChildren = 1, RepetitionType = Repetition.Optional, ConvertedType = ConvertedType.List });
        meta.Schema.Add(new SchemaElement { Name = "list", NumChildren = 1, RepetitionType = Repetition.Repeated });
        meta.Schema.Add(element);
        meta.Schema.Add(new SchemaElement { Name = "point", NumChildren = 1, RepetitionType = Repetition.Optional });
        meta.Schema.Add(v);
        foreach (RowGroup group in meta.RowGroups)
        {
            group.Columns[0].MetaData.PathInSchema.InsertRange(0, ["tags", "list"]);
            group.Columns[1].MetaData.PathInSchema.Insert(0, "point");
        }

        byte[] footer = meta.Serialize();
        byte[] tail = new byte[8];
        BitConverter.TryWriteBytes(tail, footer.Length);
        "PAR1"u8.CopyTo(tail.AsSpan(4));
        return [.. flat.AsSpan(0, footerStart), .. footer, .. tail];
    }
}
