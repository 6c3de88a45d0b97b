using System.Buffers.Binary;
using ParquetFlow.Durability;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Sink;

/// <summary>
/// Turns a Parquet file cut off while being written by a <see cref="LogSink"/> into a valid Parquet file holding
/// every whole, journaled row group. The journal (version 2) holds each row group's footer entry and page index as the
/// writer made them, so the recovered file carries the same statistics, ColumnIndex and OffsetIndex as a file the sink
/// completed after those row groups. A version-1 journal holds neither: then the column-chunk metadata is rebuilt by
/// walking the page headers, and the footer has no statistics and no page index.
/// </summary>
public static class ParquetRecovery
{
    /// <summary>The temporary name of a file in progress: the final name plus this suffix.</summary>
    public const string InProgressSuffix = ".inprogress";

    /// <summary>
    /// Recovers <paramref name="path"/> in place using its journal (<c>path.journal</c>), which is deleted afterwards.
    /// When a journal is readable the file is rebuilt from it whatever its footer says (a footer written but not yet
    /// fsynced may read back as zeros or parse as an empty file); a file without a journal is left as it is when its
    /// footer describes it. Throws <see cref="InvalidDataException"/> when the file has neither a journal nor such a
    /// footer, and <see cref="IOException"/> when the disk fails (that is not damage: nothing is changed then that a
    /// later attempt cannot redo). Every read, write and fsync goes through <paramref name="storage"/>.
    /// <paramref name="progress"/> hears the bytes of the file checked so far (every page's CRC is verified, so a large
    /// file takes a while), after each row group.
    /// </summary>
    public static RecoveryResult Recover(string path, Storage? storage = null, IProgress<long>? progress = null) =>
        Recover(path, storage ?? Storage.Default, int.MaxValue, progress);

    /// <summary>
    /// <see cref="Recover(string, Storage?)"/> keeping at most <paramref name="maxRowGroups"/> row groups: the sink
    /// completing a file it abandoned keeps only the row groups whose journal entries it saw fsynced, since it writes
    /// the others again elsewhere.
    /// </summary>
    internal static RecoveryResult Recover(string path, Storage storage, int maxRowGroups, IProgress<long>? progress = null)
    {
        string journalPath = DurableParquetFile.JournalPath(path);
        RowGroupJournal.Contents? journal = RowGroupJournal.Read(journalPath, storage);
        if (journal is null)
        {
            ParquetFooter footer = ReadTrustedFooter(path, storage, out string? reason)
                ?? throw new InvalidDataException($"{path} has no valid footer ({reason}) and no readable journal ({journalPath}); it was not written by a ParquetFlow sink, or never held a durable row group");
            if (File.Exists(journalPath))
            {
                storage.DeleteDurably(journalPath);
            }

            string? damage;
            using (StorageFile complete = storage.Open(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            using (var pages = new StorageReadStream(complete))
            {
                damage = FirstDamagedPage(pages, footer.Metadata.RowGroups, progress: progress);
            }

            return new RecoveryResult(true, footer.Metadata.RowGroups.Count, footer.Metadata.NumRows, 0, damage);
        }

        ParquetSchema schema = ParquetSchema.FromSchemaElements(FileMetaData.Read(journal.FooterTemplate).Schema);
        var groups = new List<RowGroup>();
        var pageIndexes = new List<RowGroupPageIndex>();
        long keep = 4;
        long length;
        string? damaged = null;
        using (StorageFile file = storage.Open(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            length = file.Length;
            using var reader = new StorageReadStream(file);
            foreach (RowGroupJournal.Entry entry in journal.Entries)
            {
                if (groups.Count >= maxRowGroups || entry.Offset != keep || entry.Length <= 0 || entry.Rows <= 0 || entry.Offset + entry.Length > length)
                {
                    break;
                }

                RowGroup? group = entry.Metadata is { } journaled
                    ? (Describes(journaled, entry, schema) ? journaled : null)
                    : RebuildRowGroup(reader, entry, schema, journal.Codec, groups.Count);
                if (group is null)
                {
                    break;
                }

                // A row group whose pages do not match their checksums is damaged: the file is cut back before it.
                damaged = FirstDamagedPage(reader, [group], groups.Count);
                if (damaged is not null)
                {
                    break;
                }

                groups.Add(group);
                pageIndexes.Add(entry.PageIndex ?? RowGroupPageIndex.None(group.Columns.Count));
                keep = entry.Offset + entry.Length;
                progress?.Report(keep);
            }

            // The page index goes after the last kept row group, then the footer pointing at it: as the writer lays them out.
            using var end = new MemoryStream();
            RowGroupPageIndex.Write(end, keep, groups, pageIndexes);
            byte[] footer = FooterBuilder.Build(journal.FooterTemplate, groups);
            end.Write(footer);
            Span<byte> tail = stackalloc byte[8];
            BinaryPrimitives.WriteInt32LittleEndian(tail, footer.Length);
            ParquetFileWriter.Magic.CopyTo(tail[4..]);
            end.Write(tail);
            file.SetLength(keep);
            file.Write(0, ParquetFileWriter.Magic);
            file.Write(keep, end.GetBuffer().AsSpan(0, (int)end.Length));

            // Guarantee: the recovered file is whole on disk before its journal goes. This handle is new: pages a
            // failed fsync of the writer may have dropped lay after the last journaled row group, and are cut off above.
            file.Sync();
        }

        storage.DeleteDurably(journalPath);
        return new RecoveryResult(false, groups.Count, groups.Sum(g => g.NumRows), Math.Max(0, length - keep), damaged);
    }

    /// <summary>
    /// The first page of <paramref name="groups"/> (numbered from <paramref name="firstOrdinal"/>) whose bytes do not
    /// match the CRC-32 in its header, or whose pages cannot be walked, in one line; null when every page checks out
    /// (pages without a checksum are taken as they are).
    /// </summary>
    private static string? FirstDamagedPage(Stream stream, IReadOnlyList<RowGroup> groups, int firstOrdinal = 0, IProgress<long>? progress = null)
    {
        for (int g = 0; g < groups.Count; g++)
        {
            foreach (ColumnChunk chunk in groups[g].Columns)
            {
                string column = string.Join('.', chunk.MetaData.PathInSchema);
                try
                {
                    foreach ((long offset, PageHeader _, PageChecksumStatus status) in ParquetFooter.CheckPages(stream, chunk))
                    {
                        if (status == PageChecksumStatus.Mismatch)
                        {
                            return $"row group {firstOrdinal + g}, column {column}: the page at offset {offset} does not match the CRC-32 in its header";
                        }
                    }
                }
                catch (ParquetFormatException e)
                {
                    return $"row group {firstOrdinal + g}, column {column}: {e.Message}";
                }
            }

            progress?.Report(RowGroupEnd(groups[g]));
        }

        return null;
    }

    /// <summary>The file offset just past <paramref name="group"/>'s last column chunk.</summary>
    private static long RowGroupEnd(RowGroup group)
    {
        long end = 0;
        foreach (ColumnChunk chunk in group.Columns)
        {
            ColumnMetaData m = chunk.MetaData;
            long start = m.DictionaryPageOffset is > 0 and long d ? Math.Min(d, m.DataPageOffset) : m.DataPageOffset;
            end = Math.Max(end, start + m.TotalCompressedSize);
        }

        return end;
    }

    /// <summary>
    /// The footer of a file without a journal, when it parses and describes the file (a schema, row groups inside the
    /// file whose rows add up); else null, with <paramref name="reason"/> saying why.
    /// </summary>
    private static ParquetFooter? ReadTrustedFooter(string path, Storage storage, out string? reason)
    {
        reason = null;
        try
        {
            using StorageFile file = storage.Open(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StorageReadStream(file);
            ParquetFooter footer = ParquetFooter.Read(reader);
            FileMetaData metadata = footer.Metadata;
            long rows = 0;
            foreach (RowGroup group in metadata.RowGroups)
            {
                if (group.NumRows < 0 || group.Columns.Count != footer.SchemaTree.Leaves.Count)
                {
                    reason = "a row group does not match the schema";
                    return null;
                }

                foreach (ColumnChunk chunk in group.Columns)
                {
                    ColumnMetaData meta = chunk.MetaData;
                    long start = Math.Min(meta.DictionaryPageOffset ?? long.MaxValue, meta.DataPageOffset);
                    if (start < 4 || meta.TotalCompressedSize < 0 || meta.TotalCompressedSize > file.Length - start)
                    {
                        reason = $"column chunk '{string.Join('.', meta.PathInSchema)}' lies outside the file";
                        return null;
                    }
                }

                rows += group.NumRows;
            }

            if (rows != metadata.NumRows)
            {
                reason = $"its row groups hold {rows} rows, its num_rows says {metadata.NumRows}";
                return null;
            }

            return footer;
        }
        catch (Exception e) when (e is ParquetFormatException or InvalidDataException or EndOfStreamException)
        {
            reason = e.Message;
            return null;
        }
    }

    /// <summary>Whether a journaled footer entry fits its journal entry and the schema (else the entry counts as corrupt).</summary>
    private static bool Describes(RowGroup group, RowGroupJournal.Entry entry, ParquetSchema schema) =>
        group.NumRows == entry.Rows && group.FileOffset == entry.Offset && group.TotalCompressedSize == entry.Length && group.Columns.Count == schema.Count;

    /// <summary>Walks the pages of one row group journaled without metadata (version 1); null when they do not add up (a corrupt group).</summary>
    private static RowGroup? RebuildRowGroup(Stream stream, RowGroupJournal.Entry entry, ParquetSchema schema, CompressionCodec codec, int ordinal)
    {
        if (entry.Length > Array.MaxLength)
        {
            return null;
        }

        byte[] bytes = new byte[entry.Length];
        stream.Position = entry.Offset;
        stream.ReadExactly(bytes);
        var group = new RowGroup { NumRows = entry.Rows, FileOffset = entry.Offset, Ordinal = (short)Math.Min(ordinal, short.MaxValue) };
        int position = 0;
        long totalUncompressed = 0;
        try
        {
            for (int c = 0; c < schema.Count; c++)
            {
                ColumnDescriptor column = schema[c];
                var meta = new ColumnMetaData { Type = column.PhysicalType, Codec = codec };
                meta.PathInSchema.Add(column.Name);
                long start = entry.Offset + position;
                long values = 0;
                long dataOffset = -1;
                while (values < entry.Rows)
                {
                    (PageHeader header, int headerLength) = ParquetFooter.ReadPageHeader(bytes.AsSpan(position), entry.Offset + position);
                    long pageOffset = entry.Offset + position;
                    long next = (long)position + headerLength + header.CompressedPageSize;
                    if (next > bytes.Length)
                    {
                        return null;
                    }

                    switch (header.Type)
                    {
                        case PageType.DictionaryPage when header.DictionaryPageHeader is { } dictionary && dataOffset < 0:
                            meta.DictionaryPageOffset = pageOffset;
                            AddEncoding(meta, dictionary.Encoding);
                            break;
                        case PageType.DataPage when header.DataPageHeader is { } data:
                            values += data.NumValues;
                            AddEncoding(meta, data.Encoding);
                            AddEncoding(meta, data.DefinitionLevelEncoding);
                            break;
                        case PageType.DataPageV2 when header.DataPageHeaderV2 is { } data2:
                            values += data2.NumRows;
                            AddEncoding(meta, data2.Encoding);
                            AddEncoding(meta, ParquetEncoding.Rle);
                            break;
                        default:
                            return null;
                    }

                    if (header.Type != PageType.DictionaryPage && dataOffset < 0)
                    {
                        dataOffset = pageOffset;
                    }

                    meta.TotalUncompressedSize += headerLength + header.UncompressedPageSize;
                    meta.TotalCompressedSize += headerLength + header.CompressedPageSize;
                    position = (int)next;
                }

                if (values != entry.Rows || dataOffset < 0)
                {
                    return null;
                }

                meta.NumValues = values;
                meta.DataPageOffset = dataOffset;
                totalUncompressed += meta.TotalUncompressedSize;
                group.Columns.Add(new ColumnChunk { FileOffset = start, MetaData = meta });
            }
        }
        catch (ParquetFormatException)
        {
            return null;
        }

        if (position != bytes.Length)
        {
            return null;
        }

        group.TotalByteSize = totalUncompressed;
        group.TotalCompressedSize = bytes.Length;
        return group;
    }

    private static void AddEncoding(ColumnMetaData meta, ParquetEncoding encoding)
    {
        if (!meta.Encodings.Contains(encoding))
        {
            meta.Encodings.Add(encoding);
        }
    }
}
