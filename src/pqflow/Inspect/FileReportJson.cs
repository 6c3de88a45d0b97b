using System.Text.Json;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Cli.Inspect;

/// <summary>
/// <c>pqflow inspect --json</c>: what <see cref="FileReport"/> describes, as one JSON document for scripts. Sizes and
/// counts are numbers; statistics are the same text the report shows (typed by the column's logical type); names
/// are dotted paths. The shape is in docs/formats.md ("CLI JSON").
/// </summary>
internal static class FileReportJson
{
    /// <summary>Writes the document; returns the pages found damaged (checked only with <paramref name="pages"/>).</summary>
    public static int Write(Utf8JsonWriter json, string path, ParquetFooter footer, Stream? pages)
    {
        FileMetaData meta = footer.Metadata;
        IReadOnlyList<SchemaNode> leaves = footer.SchemaTree.Leaves;
        int damaged = 0;
        json.WriteStartObject();
        json.WriteString("file", Path.GetFullPath(path));
        json.WriteNumber("size", footer.FileLength);
        json.WriteNumber("footer_length", footer.MetadataLength);
        json.WriteNumber("rows", meta.NumRows);
        json.WriteString("created_by", meta.CreatedBy);
        json.WriteBoolean("encrypted_columns", meta.HasEncryptedColumns);
        json.WriteStartObject("key_value_metadata");
        foreach (KeyValue kv in meta.KeyValueMetadata)
        {
            json.WriteString(kv.Key, kv.Value);
        }

        json.WriteEndObject();
        json.WriteStartArray("schema");
        foreach (SchemaNode node in footer.SchemaTree.Nodes)
        {
            if (node.Parent is null)
            {
                continue;
            }

            json.WriteStartObject();
            json.WriteString("path", node.DottedPath);
            json.WriteNumber("depth", node.Depth);
            if (node.Column is { } c)
            {
                json.WriteNumber("column", node.LeafIndex);
                json.WriteString("physical", ColumnDescriptor.PhysicalTypeName(c.PhysicalType));
                if (c.PhysicalType == PhysicalType.FixedLenByteArray)
                {
                    json.WriteNumber("type_length", c.TypeLength);
                }
            }
            else
            {
                json.WriteString("physical", "group");
            }

            json.WriteString("logical", node.LogicalType?.ToString());
            json.WriteString("converted", node.Element.ConvertedType is ConvertedType converted ? FileReport.ConvertedName(converted) : null);
            json.WriteString("repetition", FileReport.RepetitionName(node.Repetition));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("row_groups");
        for (int g = 0; g < meta.RowGroups.Count; g++)
        {
            RowGroup group = meta.RowGroups[g];
            json.WriteStartObject();
            json.WriteNumber("index", g);
            json.WriteNumber("rows", group.NumRows);
            json.WriteNumber("offset", group.FileOffset ?? (group.Columns.Count == 0 ? 0 : FileReport.ChunkStart(group.Columns[0].MetaData)));
            json.WriteNumber("compressed", group.TotalCompressedSize ?? FileReport.CompressedSize(group));
            json.WriteNumber("uncompressed", group.TotalByteSize);
            json.WriteStartArray("columns");
            for (int i = 0; i < group.Columns.Count; i++)
            {
                ColumnChunk chunk = group.Columns[i];
                ColumnMetaData m = chunk.MetaData;
                ColumnDescriptor column = leaves[i].Column!;
                json.WriteStartObject();
                json.WriteString("column", leaves[i].DottedPath);
                json.WriteString("codec", CompressionCodecs.FormatName(m.Codec));
                json.WriteStartArray("encodings");
                foreach (string encoding in FileReport.DataEncodings(m))
                {
                    json.WriteStringValue(encoding);
                }

                json.WriteEndArray();
                json.WriteNumber("values", m.NumValues);
                json.WriteNumber("compressed", m.TotalCompressedSize);
                json.WriteNumber("uncompressed", m.TotalUncompressedSize);
                WriteStatistics(json, column, m.Statistics?.MinValue, m.Statistics?.MaxValue, m.Statistics?.NullCount);
                json.WriteBoolean("column_index", chunk.ColumnIndexOffset is not null);
                json.WriteBoolean("offset_index", chunk.OffsetIndexOffset is not null);
                if (pages is not null)
                {
                    damaged += WritePages(json, pages, chunk, column);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (pages is not null)
        {
            json.WriteNumber("damaged_pages", damaged);
        }

        json.WriteEndObject();
        return damaged;
    }

    private static int WritePages(Utf8JsonWriter json, Stream file, ColumnChunk chunk, ColumnDescriptor column)
    {
        int damaged = 0;
        json.WriteStartArray("pages");
        foreach ((long offset, PageHeader header, PageChecksumStatus checksum) in ParquetFooter.CheckPages(file, chunk))
        {
            Parquet.Format.Statistics? s = header.DataPageHeader?.Statistics ?? header.DataPageHeaderV2?.Statistics;
            ParquetEncoding encoding = header.DataPageHeader?.Encoding ?? header.DataPageHeaderV2?.Encoding ?? header.DictionaryPageHeader?.Encoding ?? ParquetEncoding.Plain;
            json.WriteStartObject();
            json.WriteString("type", header.Type switch { PageType.DictionaryPage => "dictionary", PageType.DataPageV2 => "data_v2", PageType.DataPage => "data_v1", PageType.IndexPage => "index", _ => "unknown" });
            json.WriteString("encoding", FileReport.EncodingName(encoding));
            json.WriteNumber("values", header.DataPageHeader?.NumValues ?? header.DataPageHeaderV2?.NumValues ?? header.DictionaryPageHeader?.NumValues ?? 0);
            json.WriteNumber("offset", offset);
            json.WriteNumber("compressed", header.CompressedPageSize);
            json.WriteNumber("uncompressed", header.UncompressedPageSize);
            WriteStatistics(json, column, s?.MinValue, s?.MaxValue, s?.NullCount);
            json.WriteString("crc", checksum switch { PageChecksumStatus.Valid => "ok", PageChecksumStatus.Mismatch => "damaged", _ => "absent" });
            json.WriteEndObject();
            damaged += checksum == PageChecksumStatus.Mismatch ? 1 : 0;
        }

        json.WriteEndArray();
        return damaged;
    }

    private static void WriteStatistics(Utf8JsonWriter json, ColumnDescriptor column, byte[]? min, byte[]? max, long? nulls)
    {
        json.WriteString("min", min is null ? null : StatisticFormatter.Format(column, min));
        json.WriteString("max", max is null ? null : StatisticFormatter.Format(column, max));
        if (nulls is long n)
        {
            json.WriteNumber("null_count", n);
        }
        else
        {
            json.WriteNull("null_count");
        }
    }
}
