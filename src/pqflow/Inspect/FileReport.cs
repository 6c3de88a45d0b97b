using System.Globalization;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Cli.Inspect;

/// <summary>The human-readable description of a Parquet file that <c>pqflow inspect</c> and <c>pqflow demo</c> print.</summary>
internal static class FileReport
{
    public static void Write(TextWriter output, string path, bool pages = false, int maxRowGroups = int.MaxValue)
    {
        ParquetFooter footer = ParquetFooter.Read(path);
        FileMetaData meta = footer.Metadata;
        ParquetSchema schema = footer.Schema;
        CultureInfo inv = CultureInfo.InvariantCulture;

        output.WriteLine($"file:       {Path.GetFullPath(path)}");
        output.WriteLine($"size:       {Bytes(footer.FileLength)} ({footer.FileLength:N0} bytes, footer {footer.MetadataLength:N0})");
        output.WriteLine($"rows:       {meta.NumRows:N0} in {meta.RowGroups.Count} row group(s)");
        output.WriteLine($"created_by: {meta.CreatedBy}");
        foreach (KeyValue kv in meta.KeyValueMetadata)
        {
            output.WriteLine($"metadata:   {kv.Key} = {Truncate(kv.Value ?? "(null)", 80)}");
        }

        output.WriteLine();
        output.WriteLine("schema:");
        var schemaTable = new TextTable("#", "column", "physical", "logical", "converted", "nulls");
        for (int i = 0; i < schema.Count; i++)
        {
            ColumnDescriptor c = schema[i];
            string physical = c.PhysicalType == PhysicalType.FixedLenByteArray ? $"FIXED_LEN_BYTE_ARRAY({c.TypeLength})" : ColumnDescriptor.PhysicalTypeName(c.PhysicalType);
            schemaTable.Add(i.ToString(inv), c.Name, physical, c.LogicalType?.ToString() ?? "-", meta.Schema[i + 1].ConvertedType?.ToString().ToUpperInvariant() ?? "-", c.IsNullable ? "optional" : "required");
        }

        schemaTable.WriteTo(output);

        // Whole-file totals per column first: what a reader of the summary wants most.
        output.WriteLine();
        output.WriteLine("columns (all row groups):");
        var totals = new TextTable("column", "encodings", "codec", "compressed", "uncompressed", "ratio", "min", "max", "nulls");
        for (int i = 0; i < schema.Count; i++)
        {
            long compressed = 0;
            long uncompressed = 0;
            long nulls = 0;
            byte[]? min = null;
            byte[]? max = null;
            var encodings = new SortedSet<string>();
            CompressionCodec codec = CompressionCodec.Uncompressed;
            foreach (RowGroup group in meta.RowGroups)
            {
                ColumnMetaData m = group.Columns[i].MetaData;
                compressed += m.TotalCompressedSize;
                uncompressed += m.TotalUncompressedSize;
                nulls += m.Statistics?.NullCount ?? 0;
                codec = m.Codec;
                foreach (string e in DataEncodings(m))
                {
                    encodings.Add(e);
                }

                if (m.Statistics?.MinValue is byte[] lo && (min is null || Compare(schema[i], lo, min) < 0))
                {
                    min = lo;
                }

                if (m.Statistics?.MaxValue is byte[] hi && (max is null || Compare(schema[i], hi, max) > 0))
                {
                    max = hi;
                }
            }

            totals.Add(
                schema[i].Name,
                string.Join(",", encodings),
                codec.ToString().ToUpperInvariant(),
                Bytes(compressed),
                Bytes(uncompressed),
                compressed == 0 ? "-" : (uncompressed / (double)compressed).ToString("0.0", inv) + "x",
                StatisticFormatter.Format(schema[i], min),
                StatisticFormatter.Format(schema[i], max),
                nulls.ToString("N0", inv));
        }

        totals.WriteTo(output);

        using var stream = pages ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite) : null;
        for (int g = 0; g < meta.RowGroups.Count && g < maxRowGroups; g++)
        {
            RowGroup group = meta.RowGroups[g];
            output.WriteLine();
            output.WriteLine($"row group {g}: {group.NumRows:N0} rows at offset {group.FileOffset ?? group.Columns[0].MetaData.DataPageOffset:N0}, {Bytes(group.TotalCompressedSize ?? 0)} compressed, {Bytes(group.TotalByteSize)} uncompressed");
            var table = new TextTable("column", "encodings", "pages", "compressed", "uncompressed", "min", "max", "nulls", "index");
            for (int i = 0; i < group.Columns.Count; i++)
            {
                ColumnChunk chunk = group.Columns[i];
                ColumnMetaData m = chunk.MetaData;
                int pageCount = m.EncodingStats?.Where(s => s.PageType is PageType.DataPage or PageType.DataPageV2).Sum(s => s.Count) ?? 0;
                string index = (chunk.ColumnIndexOffset is null ? string.Empty : "column") + (chunk.OffsetIndexOffset is null ? string.Empty : (chunk.ColumnIndexOffset is null ? "offset" : "+offset"));
                table.Add(
                    schema[i].Name,
                    string.Join(",", DataEncodings(m)),
                    pageCount.ToString(inv),
                    Bytes(m.TotalCompressedSize),
                    Bytes(m.TotalUncompressedSize),
                    StatisticFormatter.Format(schema[i], m.Statistics?.MinValue),
                    StatisticFormatter.Format(schema[i], m.Statistics?.MaxValue),
                    (m.Statistics?.NullCount ?? 0).ToString("N0", inv),
                    index.Length == 0 ? "-" : index);
            }

            table.WriteTo(output);
            if (stream is not null)
            {
                WritePages(output, stream, group, schema);
            }
        }

        if (meta.RowGroups.Count > maxRowGroups)
        {
            output.WriteLine();
            output.WriteLine($"... {meta.RowGroups.Count - maxRowGroups} more row group(s); `pqflow inspect {path}` lists them all");
        }
    }

    private static void WritePages(TextWriter output, Stream stream, RowGroup group, ParquetSchema schema)
    {
        var table = new TextTable("column", "page", "type", "encoding", "values", "offset", "compressed", "uncompressed", "min", "max", "nulls");
        for (int i = 0; i < group.Columns.Count; i++)
        {
            int p = 0;
            foreach ((long offset, PageHeader header) in ParquetFooter.ReadPageHeaders(stream, group.Columns[i]))
            {
                Parquet.Format.Statistics? s = header.DataPageHeader?.Statistics ?? header.DataPageHeaderV2?.Statistics;
                ParquetEncoding encoding = header.DataPageHeader?.Encoding ?? header.DataPageHeaderV2?.Encoding ?? header.DictionaryPageHeader?.Encoding ?? ParquetEncoding.Plain;
                int values = header.DataPageHeader?.NumValues ?? header.DataPageHeaderV2?.NumValues ?? header.DictionaryPageHeader?.NumValues ?? 0;
                table.Add(
                    schema[i].Name,
                    (p++).ToString(CultureInfo.InvariantCulture),
                    header.Type switch { PageType.DictionaryPage => "dict", PageType.DataPageV2 => "data v2", _ => "data v1" },
                    EncodingName(encoding),
                    values.ToString("N0", CultureInfo.InvariantCulture),
                    offset.ToString("N0", CultureInfo.InvariantCulture),
                    Bytes(header.CompressedPageSize),
                    Bytes(header.UncompressedPageSize),
                    StatisticFormatter.Format(schema[i], s?.MinValue),
                    StatisticFormatter.Format(schema[i], s?.MaxValue),
                    s?.NullCount?.ToString("N0", CultureInfo.InvariantCulture) ?? string.Empty);
            }
        }

        output.WriteLine("  pages:");
        table.WriteTo(output, "    ");
    }

    private static IEnumerable<string> DataEncodings(ColumnMetaData m)
    {
        if (m.EncodingStats is { Count: > 0 } stats)
        {
            return stats.Where(s => s.PageType != PageType.DictionaryPage).Select(s => EncodingName(s.Encoding)).Distinct();
        }

        return m.Encodings.Select(EncodingName);
    }

    private static int Compare(ColumnDescriptor column, byte[] a, byte[] b) =>
        column.SortOrder switch
        {
            SortOrder.Undefined => 0,
            _ => column.CompareStatistics(a, b),
        };

    internal static string EncodingName(ParquetEncoding encoding) => encoding switch
    {
        ParquetEncoding.Plain => "PLAIN",
        ParquetEncoding.PlainDictionary => "PLAIN_DICTIONARY",
        ParquetEncoding.Rle => "RLE",
        ParquetEncoding.BitPacked => "BIT_PACKED",
        ParquetEncoding.DeltaBinaryPacked => "DELTA_BINARY_PACKED",
        ParquetEncoding.DeltaLengthByteArray => "DELTA_LENGTH_BYTE_ARRAY",
        ParquetEncoding.DeltaByteArray => "DELTA_BYTE_ARRAY",
        ParquetEncoding.RleDictionary => "RLE_DICTIONARY",
        ParquetEncoding.ByteStreamSplit => "BYTE_STREAM_SPLIT",
        _ => encoding.ToString(),
    };

    internal static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        < 1024L * 1024 * 1024 => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / (1024.0 * 1024 * 1024)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
    };

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}
