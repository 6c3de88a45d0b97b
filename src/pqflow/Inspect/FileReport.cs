using System.Globalization;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Cli.Inspect;

/// <summary>The human-readable description of a Parquet file that <c>pqflow inspect</c> and <c>pqflow demo</c> print.</summary>
internal static class FileReport
{
    /// <summary>
    /// Describes the file at <paramref name="path"/>; throws <see cref="ParquetFormatException"/> (or an I/O error)
    /// when it cannot, whatever the file holds: callers catch those and nothing else. With <paramref name="pages"/>
    /// every page is checked against its CRC-32; returns the pages found damaged (one line each in the report).
    /// </summary>
    public static int Write(TextWriter output, string path, bool pages = false, int maxRowGroups = int.MaxValue)
    {
        ParquetFooter footer = ParquetFooter.Read(path);
        using var stream = pages ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite) : null;
        return Write(output, path, footer, stream, maxRowGroups);
    }

    /// <summary>
    /// Describes a footer already read; <paramref name="pages"/>, when given, is the file to walk and check pages in.
    /// Returns the pages whose bytes do not match the CRC-32 in their header.
    /// </summary>
    public static int Write(TextWriter output, string path, ParquetFooter footer, Stream? pages, int maxRowGroups = int.MaxValue)
    {
        int damaged = 0;
        FileMetaData meta = footer.Metadata;
        SchemaTree tree = footer.SchemaTree;
        IReadOnlyList<SchemaNode> leaves = tree.Leaves;
        CultureInfo inv = CultureInfo.InvariantCulture;

        output.WriteLine($"file:       {Printable(Path.GetFullPath(path))}");
        output.WriteLine($"size:       {Bytes(footer.FileLength)} ({footer.FileLength:N0} bytes, footer {footer.MetadataLength:N0})");
        output.WriteLine($"rows:       {meta.NumRows:N0} in {meta.RowGroups.Count} row group(s)");
        output.WriteLine($"created_by: {Printable(meta.CreatedBy ?? string.Empty)}");
        foreach (KeyValue kv in meta.KeyValueMetadata)
        {
            output.WriteLine($"metadata:   {Printable(Truncate(kv.Key, 80))} = {Printable(Truncate(kv.Value ?? "(null)", 80))}");
        }

        if (meta.HasEncryptedColumns)
        {
            output.WriteLine("encrypted:  columns are encrypted (Parquet modular encryption, plaintext footer); statistics may be withheld");
        }

        output.WriteLine();
        output.WriteLine(tree.IsFlat ? "schema:" : "schema (nested; groups indented above their fields):");
        var schemaTable = new TextTable("#", "column", "physical", "logical", "converted", "repetition");
        foreach (SchemaNode node in tree.Nodes)
        {
            if (node.Parent is null)
            {
                continue;
            }

            SchemaElement e = node.Element;
            string physical = node.Column is { } c
                ? (c.PhysicalType == PhysicalType.FixedLenByteArray ? $"FIXED_LEN_BYTE_ARRAY({c.TypeLength})" : ColumnDescriptor.PhysicalTypeName(c.PhysicalType))
                : "group";
            schemaTable.Add(
                node.IsLeaf ? node.LeafIndex.ToString(inv) : string.Empty,
                new string(' ', 2 * (node.Depth - 1)) + Printable(node.Name),
                physical,
                node.LogicalType?.ToString() ?? "-",
                e.ConvertedType is ConvertedType converted ? ConvertedName(converted) : "-",
                RepetitionName(node.Repetition));
        }

        schemaTable.WriteTo(output);
        if (leaves.Count == 0)
        {
            output.WriteLine("  (no columns)");
        }

        // Whole-file totals per column first: what a reader of the summary wants most.
        output.WriteLine();
        output.WriteLine("columns (all row groups):");
        var totals = new TextTable("column", "encodings", "codec", "compressed", "uncompressed", "ratio", "min", "max", "nulls");
        for (int i = 0; i < leaves.Count; i++)
        {
            ColumnDescriptor column = leaves[i].Column!;
            long compressed = 0;
            long uncompressed = 0;
            long nulls = 0;
            byte[]? min = null;
            byte[]? max = null;
            var encodings = new SortedSet<string>();
            var codecs = new SortedSet<string>();
            foreach (RowGroup group in meta.RowGroups)
            {
                ColumnMetaData m = group.Columns[i].MetaData;
                compressed += m.TotalCompressedSize;
                uncompressed += m.TotalUncompressedSize;
                nulls += m.Statistics?.NullCount ?? 0;
                codecs.Add(CompressionCodecs.FormatName(m.Codec));
                foreach (string e in DataEncodings(m))
                {
                    encodings.Add(e);
                }

                if (m.Statistics?.MinValue is byte[] lo && (min is null || Compare(column, lo, min) < 0))
                {
                    min = lo;
                }

                if (m.Statistics?.MaxValue is byte[] hi && (max is null || Compare(column, hi, max) > 0))
                {
                    max = hi;
                }
            }

            totals.Add(
                Printable(column.Name),
                string.Join(",", encodings),
                codecs.Count == 0 ? "-" : string.Join(",", codecs),
                Bytes(compressed),
                Bytes(uncompressed),
                compressed <= 0 ? "-" : (uncompressed / (double)compressed).ToString("0.0", inv) + "x",
                StatisticFormatter.Format(column, min),
                StatisticFormatter.Format(column, max),
                nulls.ToString("N0", inv));
        }

        totals.WriteTo(output);

        for (int g = 0; g < meta.RowGroups.Count && g < maxRowGroups; g++)
        {
            RowGroup group = meta.RowGroups[g];
            // Walked first, so that the chunk table can count pages in files that keep no encoding statistics.
            var walked = new List<IReadOnlyList<(long Offset, PageHeader Header, PageChecksumStatus Checksum)>>();
            if (pages is not null)
            {
                foreach (ColumnChunk chunk in group.Columns)
                {
                    walked.Add(ParquetFooter.CheckPages(pages, chunk));
                }
            }

            long compressedSize = group.TotalCompressedSize ?? CompressedSize(group);
            long offset = group.FileOffset ?? (group.Columns.Count == 0 ? 0 : ChunkStart(group.Columns[0].MetaData));
            output.WriteLine();
            output.WriteLine($"row group {g}: {group.NumRows:N0} rows at offset {offset:N0}, {Bytes(compressedSize)} compressed, {Bytes(group.TotalByteSize)} uncompressed");
            var table = new TextTable("column", "encodings", "pages", "compressed", "uncompressed", "min", "max", "nulls", "index");
            for (int i = 0; i < group.Columns.Count; i++)
            {
                ColumnChunk chunk = group.Columns[i];
                ColumnMetaData m = chunk.MetaData;
                ColumnDescriptor column = leaves[i].Column!;
                string pageCount = m.EncodingStats is { Count: > 0 } stats
                    ? stats.Where(s => s.PageType is PageType.DataPage or PageType.DataPageV2).Sum(s => (long)s.Count).ToString(inv)
                    : walked.Count > 0 ? walked[i].Count(p => p.Header.Type is PageType.DataPage or PageType.DataPageV2).ToString(inv) : "-";
                string index = (chunk.ColumnIndexOffset is null ? string.Empty : "column") + (chunk.OffsetIndexOffset is null ? string.Empty : (chunk.ColumnIndexOffset is null ? "offset" : "+offset"));
                table.Add(
                    Printable(column.Name),
                    string.Join(",", DataEncodings(m)),
                    pageCount,
                    Bytes(m.TotalCompressedSize),
                    Bytes(m.TotalUncompressedSize),
                    StatisticFormatter.Format(column, m.Statistics?.MinValue),
                    StatisticFormatter.Format(column, m.Statistics?.MaxValue),
                    (m.Statistics?.NullCount ?? 0).ToString("N0", inv),
                    index.Length == 0 ? "-" : index);
            }

            table.WriteTo(output);
            if (pages is not null)
            {
                damaged += WritePages(output, g, walked, leaves);
            }
        }

        if (meta.RowGroups.Count > maxRowGroups)
        {
            output.WriteLine();
            output.WriteLine($"... {meta.RowGroups.Count - maxRowGroups} more row group(s); `pqflow inspect {path}` lists them all");
        }

        return damaged;
    }

    private static int WritePages(TextWriter output, int rowGroup, List<IReadOnlyList<(long Offset, PageHeader Header, PageChecksumStatus Checksum)>> walked, IReadOnlyList<SchemaNode> leaves)
    {
        var table = new TextTable("column", "page", "type", "encoding", "values", "offset", "compressed", "uncompressed", "min", "max", "nulls", "crc");
        var damaged = new List<string>();
        for (int i = 0; i < walked.Count; i++)
        {
            ColumnDescriptor column = leaves[i].Column!;
            int p = 0;
            foreach ((long offset, PageHeader header, PageChecksumStatus checksum) in walked[i])
            {
                if (checksum == PageChecksumStatus.Mismatch)
                {
                    damaged.Add($"damaged page: row group {rowGroup}, column {Printable(column.Name)}, page {p} at offset {offset.ToString("N0", CultureInfo.InvariantCulture)}: its bytes do not match the CRC-32 in its header");
                }

                Parquet.Format.Statistics? s = header.DataPageHeader?.Statistics ?? header.DataPageHeaderV2?.Statistics;
                ParquetEncoding encoding = header.DataPageHeader?.Encoding ?? header.DataPageHeaderV2?.Encoding ?? header.DictionaryPageHeader?.Encoding ?? ParquetEncoding.Plain;
                int values = header.DataPageHeader?.NumValues ?? header.DataPageHeaderV2?.NumValues ?? header.DictionaryPageHeader?.NumValues ?? 0;
                table.Add(
                    Printable(column.Name),
                    (p++).ToString(CultureInfo.InvariantCulture),
                    header.Type switch { PageType.DictionaryPage => "dict", PageType.DataPageV2 => "data v2", PageType.DataPage => "data v1", PageType.IndexPage => "index", _ => ((int)header.Type).ToString(CultureInfo.InvariantCulture) },
                    EncodingName(encoding),
                    values.ToString("N0", CultureInfo.InvariantCulture),
                    offset.ToString("N0", CultureInfo.InvariantCulture),
                    Bytes(header.CompressedPageSize),
                    Bytes(header.UncompressedPageSize),
                    StatisticFormatter.Format(column, s?.MinValue),
                    StatisticFormatter.Format(column, s?.MaxValue),
                    s?.NullCount?.ToString("N0", CultureInfo.InvariantCulture) ?? string.Empty,
                    checksum switch { PageChecksumStatus.Valid => "ok", PageChecksumStatus.Mismatch => "DAMAGED", _ => "-" });
            }
        }

        output.WriteLine("  pages:");
        table.WriteTo(output, "    ");
        foreach (string line in damaged)
        {
            output.WriteLine("  " + line);
        }

        return damaged.Count;
    }

    /// <summary>The row group's compressed size from its chunks, for writers that leave total_compressed_size out (it is optional).</summary>
    internal static long CompressedSize(RowGroup group)
    {
        long total = 0;
        foreach (ColumnChunk chunk in group.Columns)
        {
            total = unchecked(total + chunk.MetaData.TotalCompressedSize);
        }

        return total;
    }

    internal static long ChunkStart(ColumnMetaData m) => m.DictionaryPageOffset is long d && d > 0 && d < m.DataPageOffset ? d : m.DataPageOffset;

    internal static IEnumerable<string> DataEncodings(ColumnMetaData m)
    {
        if (m.EncodingStats is { Count: > 0 } stats)
        {
            return stats.Where(s => s.PageType != PageType.DictionaryPage).Select(s => EncodingName(s.Encoding)).Distinct();
        }

        return m.Encodings.Select(EncodingName);
    }

    /// <summary>Orders two statistic values by the column's sort order; values too short for their type (a damaged footer) count as equal.</summary>
    private static int Compare(ColumnDescriptor column, byte[] a, byte[] b)
    {
        int size = column.PhysicalType == PhysicalType.FixedLenByteArray ? 0 : column.ValueSize;
        if (column.SortOrder == SortOrder.Undefined || a.Length < size || b.Length < size || (column.PhysicalType == PhysicalType.Boolean && (a.Length == 0 || b.Length == 0)))
        {
            return 0;
        }

        return column.CompareStatistics(a, b);
    }

    internal static string RepetitionName(Repetition repetition) => repetition switch
    {
        Repetition.Required => "required",
        Repetition.Optional => "optional",
        _ => "repeated",
    };

    internal static string ConvertedName(ConvertedType converted) => converted switch
    {
        ConvertedType.Utf8 => "UTF8",
        ConvertedType.MapKeyValue => "MAP_KEY_VALUE",
        ConvertedType.TimeMillis => "TIME_MILLIS",
        ConvertedType.TimeMicros => "TIME_MICROS",
        ConvertedType.TimestampMillis => "TIMESTAMP_MILLIS",
        ConvertedType.TimestampMicros => "TIMESTAMP_MICROS",
        ConvertedType.UInt8 => "UINT_8",
        ConvertedType.UInt16 => "UINT_16",
        ConvertedType.UInt32 => "UINT_32",
        ConvertedType.UInt64 => "UINT_64",
        ConvertedType.Int8 => "INT_8",
        ConvertedType.Int16 => "INT_16",
        ConvertedType.Int32 => "INT_32",
        ConvertedType.Int64 => "INT_64",
        _ => converted.ToString().ToUpperInvariant(),
    };

    /// <summary>Names and metadata come from the file: control characters would break the layout (or the terminal), so they show as '?'.</summary>
    private static string Printable(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        return string.Create(text.Length, text, static (span, source) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }

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
