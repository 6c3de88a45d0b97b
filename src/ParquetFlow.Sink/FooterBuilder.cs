using System.Buffers;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Format;

namespace ParquetFlow.Sink;

/// <summary>
/// Rebuilds a file footer from a template — the serialized footer of an empty file with the same schema and
/// options, which holds the schema, key-value metadata, created_by and column orders — and the row groups found
/// on disk. Fields 3 (num_rows) and 4 (row_groups) of the template are replaced; everything else is kept byte for byte.
/// </summary>
internal static class FooterBuilder
{
    public static byte[] Build(ReadOnlySpan<byte> template, IReadOnlyList<RowGroup> groups)
    {
        List<(short Id, int Start, int End)> fields = CompactThrift.TopLevelFields(template);
        int rowsField = fields.FindIndex(f => f.Id == 3);
        if (rowsField < 1 || rowsField + 1 >= fields.Count || fields[rowsField - 1].Id != 2 || fields[rowsField + 1].Id != 4)
        {
            throw new InvalidDataException("the footer template does not hold fields 2, 3 and 4 in order");
        }

        var output = new ArrayBufferWriter<byte>(template.Length + (groups.Count * 512));
        output.Write(template[..fields[rowsField].Start]);
        var w = new CompactThrift.Writer(output);

        // The template's bytes before field 3 end with field 2, so field ids continue from 2.
        w.StructBegin();
        w.ContinueAfterField(2);
        w.FieldI64(3, groups.Sum(g => g.NumRows));
        w.FieldHeader(4, CompactThrift.TypeList);
        w.ListHeader(groups.Count, CompactThrift.TypeStruct);
        foreach (RowGroup group in groups)
        {
            WriteRowGroup(w, group);
        }

        // The rest of the template (fields after 4, then the stop byte) was encoded relative to field 4 too.
        w.Raw(template[fields[rowsField + 1].End..]);
        return output.WrittenSpan.ToArray();
    }

    private static void WriteRowGroup(CompactThrift.Writer w, RowGroup group)
    {
        w.StructBegin();
        w.FieldHeader(1, CompactThrift.TypeList);
        w.ListHeader(group.Columns.Count, CompactThrift.TypeStruct);
        foreach (ColumnChunk chunk in group.Columns)
        {
            w.StructBegin();
            w.FieldI64(2, chunk.FileOffset);
            w.FieldHeader(3, CompactThrift.TypeStruct);
            WriteColumnMetaData(w, chunk.MetaData);
            w.StructEnd();
        }

        w.FieldI64(2, group.TotalByteSize);
        w.FieldI64(3, group.NumRows);
        if (group.FileOffset is long fileOffset)
        {
            w.FieldI64(5, fileOffset);
        }

        if (group.TotalCompressedSize is long compressed)
        {
            w.FieldI64(6, compressed);
        }

        if (group.Ordinal is short ordinal)
        {
            w.FieldI16(7, ordinal);
        }

        w.StructEnd();
    }

    private static void WriteColumnMetaData(CompactThrift.Writer w, ColumnMetaData meta)
    {
        w.StructBegin();
        w.FieldI32(1, (int)meta.Type);
        w.FieldHeader(2, CompactThrift.TypeList);
        w.ListHeader(meta.Encodings.Count, CompactThrift.TypeI32);
        foreach (ParquetEncoding encoding in meta.Encodings)
        {
            w.I32((int)encoding);
        }

        w.FieldHeader(3, CompactThrift.TypeList);
        w.ListHeader(meta.PathInSchema.Count, CompactThrift.TypeBinary);
        foreach (string part in meta.PathInSchema)
        {
            w.Binary(part);
        }

        w.FieldI32(4, (int)meta.Codec);
        w.FieldI64(5, meta.NumValues);
        w.FieldI64(6, meta.TotalUncompressedSize);
        w.FieldI64(7, meta.TotalCompressedSize);
        w.FieldI64(9, meta.DataPageOffset);
        if (meta.DictionaryPageOffset is long dictionary)
        {
            w.FieldI64(11, dictionary);
        }

        w.StructEnd();
    }
}
