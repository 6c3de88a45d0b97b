using System.Buffers;
using System.Diagnostics;
using System.IO.Hashing;
using ParquetFlow.Parquet.Compression;
using ParquetFlow.Parquet.Encodings;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.IO;
using ParquetFlow.Parquet.Schema;
using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Writing;

/// <summary>
/// Writes one column chunk at a time into memory: buffers a page of levels and values, closes pages at the
/// size or row limit (levels, values, compression, header, statistics), and keeps the dictionary page apart so
/// it can lead the chunk. Typed subclasses own the values; this class owns levels, pages and bookkeeping.
/// Lives for the file; <see cref="Reset"/> starts the next row group's chunk with the same buffers.
/// One thread at a time; different columns may be written from different threads.
/// </summary>
internal abstract class ColumnWriter : IDisposable
{
    private readonly PageCompressor _compressor;
    private readonly ByteBuffer _dataPages = new(1 << 16);
    private readonly ByteBuffer _dictionaryPage = new(256);
    private readonly ByteBuffer _body = new(1 << 16);
    private readonly ByteBuffer _levels = new(1024);
    private readonly ByteBuffer _compressed = new(1 << 16);
    private readonly ByteBuffer _header = new(256);
    private readonly List<PageStatistics> _pages = [];
    private readonly Dictionary<(PageType, ParquetEncoding), int> _encodingCounts = [];
    private byte[] _pageDefinitionLevels = [];
    private long _uncompressedTotal;

    protected ColumnWriter(ColumnDescriptor column, ParquetWriterOptions options)
    {
        Column = column;
        Options = options;
        Requested = options.For(column.Name).Encoding;
        _compressor = new PageCompressor(options.Compression, options.CompressionLevel);
    }

    public ColumnDescriptor Column { get; }

    protected ParquetWriterOptions Options { get; }

    /// <summary>The encoding the user asked for, or null for automatic.</summary>
    protected ParquetEncoding? Requested { get; }

    /// <summary>Rows buffered in the open page.</summary>
    protected int PageRows { get; private set; }

    /// <summary>Non-null values buffered in the open page.</summary>
    protected int PageValues { get; private set; }

    /// <summary>Rows written to this chunk, including the open page.</summary>
    public long ChunkRows { get; private set; }

    /// <summary>Rows a page may still take before it must close, judged by rows (value sizes are checked by subclasses).</summary>
    protected int PageRowsLeft => Options.MaxRowsPerPage - PageRows;

    /// <summary>Bytes the open page's encoded values are estimated to take.</summary>
    protected abstract long BufferedValueBytes { get; }

    /// <summary>
    /// Encodes the open page's values into <paramref name="output"/>, forgets them, and returns the encoding used. A
    /// non-empty <paramref name="callerValues"/> holds the page's values in the caller's own buffer (see
    /// <see cref="FlushPage(ReadOnlySpan{byte})"/>): they were never copied into the writer and are encoded from there.
    /// </summary>
    protected abstract ParquetEncoding EncodeValues(ByteBuffer output, ReadOnlySpan<byte> callerValues);

    /// <summary>
    /// Returns the open page's min and max (PLAIN bytes), or nulls when it has no comparable value (all null or NaN);
    /// <c>Omitted</c> is true when bounds exist but were left out (over MaxStatisticsSize). Resets them.
    /// </summary>
    protected abstract (byte[]? Min, byte[]? Max, bool Omitted) TakePageMinMax();

    /// <summary>When the chunk used a dictionary: writes its PLAIN body and returns the entry count; otherwise 0.</summary>
    protected abstract int EncodeDictionary(ByteBuffer output);

    /// <summary>Forgets chunk-level value state (dictionary, encoding choice) for the next row group.</summary>
    protected abstract void ResetValues();

    /// <summary>Called by subclasses after appending <paramref name="rows"/> rows (with their values) to the open page.</summary>
    protected void AppendLevels(int rows, int values, ReadOnlySpan<byte> definitionLevels)
    {
        Debug.Assert(definitionLevels.IsEmpty || definitionLevels.Length == rows);
        if (Column.IsNullable)
        {
            EnsureLevelCapacity(PageRows + rows);
            if (definitionLevels.IsEmpty)
            {
                _pageDefinitionLevels.AsSpan(PageRows, rows).Fill(1);
            }
            else
            {
                definitionLevels.CopyTo(_pageDefinitionLevels.AsSpan(PageRows));
            }
        }

        PageRows += rows;
        PageValues += values;
        ChunkRows += rows;
    }

    /// <summary>Closes the open page when it reached its row or byte limit.</summary>
    protected void ClosePageIfFull()
    {
        if (PageRows >= Options.MaxRowsPerPage || BufferedValueBytes >= Options.DataPageSize)
        {
            FlushPage();
        }
    }

    /// <summary>
    /// Writes the open page (if it holds rows) to the chunk buffer. <paramref name="callerValues"/>, when not empty, are
    /// the page's values still in the caller's buffer (a page filled by one batch), encoded without being copied first.
    /// </summary>
    protected void FlushPage(ReadOnlySpan<byte> callerValues = default)
    {
        if (PageRows == 0)
        {
            return;
        }

        int rows = PageRows;
        int nulls = rows - PageValues;
        (byte[]? min, byte[]? max, bool omitted) = TakePageMinMax();

        _levels.Clear();
        if (Column.IsNullable)
        {
            RleBitPackedHybrid.Encode<byte>(_pageDefinitionLevels.AsSpan(0, rows), 1, _levels);
        }

        _body.Clear();
        _compressed.Clear();
        var header = new PageHeader();
        Format.Statistics? statistics = Options.WriteStatistics ? MakeStatistics(nulls, min, max) : null;
        ReadOnlySpan<byte> payload;
        ParquetEncoding encoding;
        if (Options.EffectiveDataPageVersion == DataPageVersion.V1)
        {
            if (Column.IsNullable)
            {
                _body.WriteUnmanaged(_levels.Length);
                _body.Write(_levels.WrittenSpan);
            }

            encoding = EncodeValues(_body, callerValues);
            header.Type = PageType.DataPage;
            header.UncompressedPageSize = _body.Length;
            header.DataPageHeader = new DataPageHeader { NumValues = rows, Encoding = encoding, Statistics = statistics };
            payload = Compress(_body.WrittenSpan);
            header.CompressedPageSize = payload.Length;
            header.Crc = Checksum([], payload);
        }
        else
        {
            encoding = EncodeValues(_body, callerValues);
            ReadOnlySpan<byte> values = Compress(_body.WrittenSpan);
            header.Type = PageType.DataPageV2;
            header.UncompressedPageSize = _levels.Length + _body.Length;
            header.CompressedPageSize = _levels.Length + values.Length;
            header.DataPageHeaderV2 = new DataPageHeaderV2
            {
                NumValues = rows,
                NumNulls = nulls,
                NumRows = rows,
                Encoding = encoding,
                DefinitionLevelsByteLength = _levels.Length,
                RepetitionLevelsByteLength = 0,
                IsCompressed = _compressor.Codec != CompressionCodec.Uncompressed,
                Statistics = statistics,
            };
            payload = values;
            header.Crc = Checksum(_levels.WrittenSpan, payload);
        }

        long pageOffset = _dataPages.Length;
        int headerLength = WriteHeader(header, _dataPages);
        if (header.Type == PageType.DataPageV2)
        {
            _dataPages.Write(_levels.WrittenSpan);
        }

        _dataPages.Write(payload);
        _uncompressedTotal += headerLength + header.UncompressedPageSize;
        _pages.Add(new PageStatistics(pageOffset, (int)(_dataPages.Length - pageOffset), ChunkRows - rows, rows, nulls, min, max, omitted));
        CountEncoding(header.Type, encoding);

        PageRows = 0;
        PageValues = 0;
    }

    private Format.Statistics MakeStatistics(long nulls, byte[]? min, byte[]? max)
    {
        var statistics = new Format.Statistics { NullCount = nulls };
        if (min is not null && max is not null)
        {
            statistics.MinValue = min;
            statistics.MaxValue = max;
            if (Column.SortOrder == SortOrder.Signed)
            {
                // Legacy fields, for readers that predate min_value/max_value; only valid for signed order.
                statistics.Min = min;
                statistics.Max = max;
            }
        }

        return statistics;
    }

    /// <summary>
    /// <c>PageHeader.crc</c>: the CRC-32 (the GZIP polynomial) of the page's bytes as they lie on disk after its header
    /// (a v2 page's levels, then its values, compressed); null when checksums are off.
    /// </summary>
    private int? Checksum(ReadOnlySpan<byte> first, ReadOnlySpan<byte> rest)
    {
        if (!Options.WritePageChecksums)
        {
            return null;
        }

        uint crc = first.IsEmpty ? Crc32.HashToUInt32(rest) : PageChecksum.Compute(first, rest);
        return unchecked((int)crc);
    }

    private ReadOnlySpan<byte> Compress(ReadOnlySpan<byte> body)
    {
        if (_compressor.Codec == CompressionCodec.Uncompressed)
        {
            return body;
        }

        _compressed.Clear();
        _compressor.Compress(body, _compressed);
        return _compressed.WrittenSpan;
    }

    private int WriteHeader(PageHeader header, ByteBuffer output)
    {
        _header.Clear();
        var w = new ThriftCompactWriter(_header);
        header.Write(ref w);
        output.Write(_header.WrittenSpan);
        return _header.Length;
    }

    private void CountEncoding(PageType type, ParquetEncoding encoding)
    {
        _encodingCounts.TryGetValue((type, encoding), out int count);
        _encodingCounts[(type, encoding)] = count + 1;
    }

    private void EnsureLevelCapacity(int needed)
    {
        if (_pageDefinitionLevels.Length >= needed)
        {
            return;
        }

        byte[] next = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(1024, _pageDefinitionLevels.Length * 2)));
        _pageDefinitionLevels.AsSpan().CopyTo(next);
        if (_pageDefinitionLevels.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_pageDefinitionLevels);
        }

        _pageDefinitionLevels = next;
    }

    /// <summary>
    /// Closes the last page and the dictionary page. After this the chunk is ready for
    /// <see cref="WriteTo"/>; thread-safe with respect to other columns.
    /// </summary>
    public void Finish()
    {
        FlushPage();
        _dictionaryPage.Clear();
        _body.Clear();
        int entries = EncodeDictionary(_body);
        if (entries > 0)
        {
            ReadOnlySpan<byte> payload = Compress(_body.WrittenSpan);
            var header = new PageHeader
            {
                Type = PageType.DictionaryPage,
                UncompressedPageSize = _body.Length,
                CompressedPageSize = payload.Length,
                DictionaryPageHeader = new DictionaryPageHeader { NumValues = entries, Encoding = ParquetEncoding.Plain },
                Crc = Checksum([], payload),
            };
            int headerLength = WriteHeader(header, _dictionaryPage);
            _dictionaryPage.Write(payload);
            _uncompressedTotal += headerLength + header.UncompressedPageSize;
            CountEncoding(PageType.DictionaryPage, ParquetEncoding.Plain);
        }
    }

    /// <summary>Bytes the chunk holds so far: closed pages (compressed) plus the open page's values (estimated).</summary>
    public long EstimatedBytes => _dictionaryPage.Length + _dataPages.Length + BufferedValueBytes;

    /// <summary>Bytes <see cref="WriteTo"/> will write.</summary>
    public long ChunkBytes => _dictionaryPage.Length + _dataPages.Length;

    /// <summary>
    /// Writes the finished chunk at file offset <paramref name="chunkOffset"/> and returns its footer metadata and
    /// page-index entries (offsets absolute).
    /// </summary>
    public ColumnChunkResult WriteTo(Stream output, long chunkOffset)
    {
        output.Write(_dictionaryPage.WrittenSpan);
        output.Write(_dataPages.WrittenSpan);

        long dataOffset = chunkOffset + _dictionaryPage.Length;
        var meta = new ColumnMetaData
        {
            Type = Column.PhysicalType,
            Codec = Options.Compression,
            NumValues = ChunkRows,
            TotalUncompressedSize = _uncompressedTotal,
            TotalCompressedSize = ChunkBytes,
            DataPageOffset = dataOffset,
            DictionaryPageOffset = _dictionaryPage.Length > 0 ? chunkOffset : null,
            EncodingStats = [],
        };
        meta.PathInSchema.Add(Column.Name);
        var encodings = new SortedSet<ParquetEncoding>();
        foreach (((PageType type, ParquetEncoding encoding), int count) in _encodingCounts)
        {
            meta.EncodingStats.Add(new PageEncodingStats(type, encoding, count));
            encodings.Add(encoding);
        }

        // Levels are RLE-encoded in every data page (the list must name the level encoding too).
        encodings.Add(ParquetEncoding.Rle);
        meta.Encodings.AddRange(encodings);

        long nulls = 0;
        byte[]? min = null;
        byte[]? max = null;
        bool indexable = Column.SortOrder != SortOrder.Undefined;
        bool complete = true;
        var offsetIndex = new OffsetIndex();
        var columnIndex = new ColumnIndex();
        foreach (PageStatistics page in _pages)
        {
            nulls += page.NullCount;
            offsetIndex.PageLocations.Add(new PageLocation(dataOffset + page.RelativeOffset, page.CompressedSizeWithHeader, page.FirstRowIndex));
            columnIndex.NullPages.Add(page.IsNullPage);
            columnIndex.NullCounts.Add(page.NullCount);
            columnIndex.MinValues.Add(page.Min ?? []);
            columnIndex.MaxValues.Add(page.Max ?? []);
            if (page.IsNullPage)
            {
                continue;
            }

            if (page.Min is null || page.Max is null)
            {
                // A page with values but no bounds cannot be described in the column index. When its bounds were
                // left out for size the chunk's bounds would be wrong too; a page of only NaN has none to miss.
                indexable = false;
                complete &= !page.MinMaxOmitted;
                continue;
            }

            if (min is null || StatisticsOrder.Compare(Column, page.Min, min) < 0)
            {
                min = page.Min;
            }

            if (max is null || StatisticsOrder.Compare(Column, page.Max, max) > 0)
            {
                max = page.Max;
            }
        }

        if (Options.WriteStatistics)
        {
            meta.Statistics = complete ? MakeStatistics(nulls, min, max) : MakeStatistics(nulls, null, null);
        }

        // A page with values but no min/max (only NaN, or values over MaxStatisticsSize) makes the chunk's
        // column index unrepresentable: readers would take its empty min/max for real bounds.
        bool writeColumnIndex = Options.WritePageIndex && Options.WriteStatistics && indexable && _pages.Count > 0;
        if (writeColumnIndex)
        {
            columnIndex.BoundaryOrder = BoundaryOrderOf(columnIndex);
        }
        return new ColumnChunkResult(
            new ColumnChunk { FileOffset = chunkOffset, MetaData = meta },
            Options.WritePageIndex && _pages.Count > 0 ? offsetIndex : null,
            writeColumnIndex ? columnIndex : null);
    }

    private BoundaryOrder BoundaryOrderOf(ColumnIndex index)
    {
        bool ascending = true;
        bool descending = true;
        byte[]? previousMin = null;
        byte[]? previousMax = null;
        for (int i = 0; i < index.NullPages.Count; i++)
        {
            if (index.NullPages[i])
            {
                continue;
            }

            byte[] min = index.MinValues[i];
            byte[] max = index.MaxValues[i];
            if (previousMin is not null && previousMax is not null)
            {
                int minOrder = StatisticsOrder.Compare(Column, previousMin, min);
                int maxOrder = StatisticsOrder.Compare(Column, previousMax, max);
                ascending &= minOrder <= 0 && maxOrder <= 0;
                descending &= minOrder >= 0 && maxOrder >= 0;
            }

            previousMin = min;
            previousMax = max;
        }

        return ascending ? BoundaryOrder.Ascending : descending ? BoundaryOrder.Descending : BoundaryOrder.Unordered;
    }

    /// <summary>
    /// Forgets the chunk (after it was written or abandoned) and hands its page buffers back to the pool, to be rented
    /// again by the next chunk: between row groups a column writer holds no page memory, so a process with a thousand
    /// files open (a collector's partitions) does not keep a thousand sets of page buffers.
    /// </summary>
    public void Reset()
    {
        _dataPages.Release();
        _dictionaryPage.Release();
        _body.Release();
        _levels.Release();
        _compressed.Release();
        _header.Release();
        if (_pageDefinitionLevels.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_pageDefinitionLevels);
            _pageDefinitionLevels = [];
        }

        _pages.Clear();
        _encodingCounts.Clear();
        _uncompressedTotal = 0;
        PageRows = 0;
        PageValues = 0;
        ChunkRows = 0;
        TakePageMinMax();
        ResetValues();
    }

    public virtual void Dispose()
    {
        _compressor.Dispose();
        _dataPages.Dispose();
        _dictionaryPage.Dispose();
        _body.Dispose();
        _levels.Dispose();
        _compressed.Dispose();
        _header.Dispose();
        if (_pageDefinitionLevels.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_pageDefinitionLevels);
            _pageDefinitionLevels = [];
        }
    }

    /// <summary>Checks definition levels of a batch and counts its non-null values.</summary>
    protected int CountPresent(ReadOnlySpan<byte> definitionLevels, int rows)
    {
        if (definitionLevels.IsEmpty)
        {
            return rows;
        }

        if (!Column.IsNullable)
        {
            int nullAt = definitionLevels.IndexOfAnyExcept((byte)1);
            if (nullAt >= 0)
            {
                throw new InvalidBatchException(Column.Name, $"null at row {nullAt} of the batch, but the column is required");
            }

            return rows;
        }

        int bad = definitionLevels.IndexOfAnyExcept((byte)0, (byte)1);
        if (bad >= 0)
        {
            throw new InvalidBatchException(Column.Name, $"definition level {definitionLevels[bad]} at row {bad}; a flat optional column takes 0 (null) or 1 (value)");
        }

        return definitionLevels.Count((byte)1);
    }
}
