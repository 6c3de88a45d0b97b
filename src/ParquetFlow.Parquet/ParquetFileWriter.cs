using System.Buffers.Binary;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.IO;
using ParquetFlow.Parquet.Schema;
using ParquetFlow.Parquet.Writing;

namespace ParquetFlow.Parquet;

/// <summary>
/// Writes a Parquet file to a stream: <c>PAR1</c>, row groups, the page index, then the footer. Open row groups
/// with <see cref="BeginRowGroup"/>; <see cref="Close"/> (or <see cref="Dispose"/>) writes the footer.
/// Column chunks are built in memory and reach the stream whole when their row group ends, so a rejected
/// batch never leaves partial data in the file. Not thread-safe, except that different columns of one row
/// group may be written concurrently (see <see cref="RowGroupWriter"/>).
/// </summary>
public sealed class ParquetFileWriter : IDisposable
{
    /// <summary>The four magic bytes at both ends of a Parquet file.</summary>
    public static ReadOnlySpan<byte> Magic => "PAR1"u8;

    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly ColumnWriter[] _columns;
    private readonly FileMetaData _metadata = new();
    private readonly List<RowGroupPageIndex> _pageIndexes = [];
    private readonly ByteBuffer _scratch = new(1 << 10);
    private RowGroupWriter? _open;
    private bool _openIsAutomatic;
    private long _position;
    private bool _closed;

    /// <summary>Starts a file on <paramref name="output"/> (written from its current position onwards).</summary>
    public ParquetFileWriter(Stream output, ParquetSchema schema, ParquetWriterOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(schema);
        Options = options ?? new ParquetWriterOptions();
        Options.Validate();
        Schema = schema;
        _output = output;
        _leaveOpen = leaveOpen;
        _columns = new ColumnWriter[schema.Count];
        for (int i = 0; i < schema.Count; i++)
        {
            _columns[i] = CreateColumnWriter(schema[i], Options);
        }

        _output.Write(Magic);
        _position = Magic.Length;
    }

    /// <summary>Creates (or truncates) the file at <paramref name="path"/> and starts writing it.</summary>
    public static ParquetFileWriter Create(string path, ParquetSchema schema, ParquetWriterOptions? options = null)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        try
        {
            return new ParquetFileWriter(stream, schema, options);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The schema.</summary>
    public ParquetSchema Schema { get; }

    /// <summary>The options.</summary>
    public ParquetWriterOptions Options { get; }

    /// <summary>Rows in the row groups written so far.</summary>
    public long RowCount => _metadata.NumRows;

    /// <summary>Row groups written so far.</summary>
    public int RowGroupCount => _metadata.RowGroups.Count;

    /// <summary>Bytes written to the stream so far.</summary>
    public long Position => _position;

    /// <summary>The footer, once <see cref="Close"/> has run.</summary>
    public FileMetaData? Metadata => _closed ? _metadata : null;

    /// <summary>
    /// The footer entry (with its statistics) and the page index of written row group <paramref name="index"/> (0 is the
    /// first). Its chunks point at their page index only once <see cref="Close"/> has written it. A crash-safe writer
    /// keeps these to rebuild, with <see cref="RowGroupPageIndex.Write"/>, the footer of a file cut off before then.
    /// The row group must not be modified.
    /// </summary>
    public (RowGroup Metadata, RowGroupPageIndex PageIndex) WrittenRowGroup(int index) => (_metadata.RowGroups[index], _pageIndexes[index]);

    /// <summary>
    /// Appends rows given as one <see cref="ColumnData"/> per column (all with the same row count) and closes row
    /// groups on the way at <see cref="ParquetWriterOptions.MaxRowsPerRowGroup"/> rows or
    /// <see cref="ParquetWriterOptions.RowGroupTargetBytes"/> bytes. The last row group stays open for the next call;
    /// <see cref="EndRowGroup"/>, <see cref="Close"/> or <see cref="Dispose"/> closes it. Columns are written on up to
    /// <see cref="ParquetWriterOptions.MaxDegreeOfParallelism"/> threads.
    /// </summary>
    public void Write(IReadOnlyList<ColumnData> columns)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count != Schema.Count)
        {
            throw new ArgumentException($"the schema has {Schema.Count} columns, the batch {columns.Count}", nameof(columns));
        }

        int rows = columns[0].Rows;
        for (int c = 1; c < columns.Count; c++)
        {
            if (columns[c].Rows != rows)
            {
                throw new InvalidBatchException(Schema[c].Name, $"{columns[c].Rows} rows where column '{Schema[0].Name}' has {rows}");
            }
        }

        if (_open is not null && !_openIsAutomatic)
        {
            throw new InvalidOperationException("a row group opened with BeginRowGroup has not ended");
        }

        // The whole batch is validated before any of it is written: a rejected batch leaves no rows behind, even
        // when it would have spanned several row groups.
        RowGroupWriter checker = _open ?? new RowGroupWriter(this, _columns);
        for (int c = 0; c < columns.Count; c++)
        {
            columns[c].Check(checker, c);
        }

        int[] valueCursor = new int[columns.Count];
        const int SliceRows = 65_536;
        int row = 0;
        while (row < rows)
        {
            if (_open is null)
            {
                BeginRowGroup();
                _openIsAutomatic = true;
            }

            RowGroupWriter group = _open!;
            long inGroup = group.RowsWritten(0);
            int count = (int)Math.Min(Math.Min(rows - row, SliceRows), Options.MaxRowsPerRowGroup - inGroup);
            int first = row;
            if (Options.MaxDegreeOfParallelism > 1)
            {
                Parallel.For(0, columns.Count, new ParallelOptions { MaxDegreeOfParallelism = Options.MaxDegreeOfParallelism }, c =>
                    valueCursor[c] += columns[c].WriteSlice(group, c, first, count, valueCursor[c]));
            }
            else
            {
                for (int c = 0; c < columns.Count; c++)
                {
                    valueCursor[c] += columns[c].WriteSlice(group, c, first, count, valueCursor[c]);
                }
            }

            row += count;
            if (group.RowsWritten(0) >= Options.MaxRowsPerRowGroup || EstimatedRowGroupBytes() >= Options.RowGroupTargetBytes)
            {
                EndRowGroup();
            }
        }
    }

    /// <summary>Closes the row group <see cref="Write(IReadOnlyList{ColumnData})"/> keeps open, if any.</summary>
    public void EndRowGroup()
    {
        if (_open is not null)
        {
            _open.End();
        }
    }

    private long EstimatedRowGroupBytes()
    {
        long bytes = 0;
        foreach (ColumnWriter column in _columns)
        {
            bytes += column.EstimatedBytes;
        }

        return bytes;
    }

    /// <summary>Opens the next row group; the previous one must have ended.</summary>
    public RowGroupWriter BeginRowGroup()
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (_open is not null)
        {
            throw new InvalidOperationException("the previous row group has not ended");
        }

        _open = new RowGroupWriter(this, _columns);
        return _open;
    }

    internal void CompleteRowGroup(ColumnWriter[] columns)
    {
        _open = null;
        _openIsAutomatic = false;
        long rows = columns[0].ChunkRows;
        foreach (ColumnWriter column in columns)
        {
            if (column.ChunkRows != rows)
            {
                string counts = string.Join(", ", columns.Select(c => $"{c.Column.Name}={c.ChunkRows}"));
                foreach (ColumnWriter c in columns)
                {
                    c.Reset();
                }

                throw new InvalidBatchException(column.Column.Name, $"columns of a row group must have the same number of rows ({counts}); the row group was discarded");
            }
        }

        if (rows == 0)
        {
            return;
        }

        if (Options.MaxDegreeOfParallelism > 1)
        {
            Parallel.ForEach(columns, new ParallelOptions { MaxDegreeOfParallelism = Options.MaxDegreeOfParallelism }, c => c.Finish());
        }
        else
        {
            foreach (ColumnWriter column in columns)
            {
                column.Finish();
            }
        }

        var group = new RowGroup { NumRows = rows, FileOffset = _position, Ordinal = (short)Math.Min(_metadata.RowGroups.Count, short.MaxValue) };
        var results = new ColumnChunkResult[columns.Length];
        long compressed = 0;
        long uncompressed = 0;
        for (int i = 0; i < columns.Length; i++)
        {
            ColumnWriter column = columns[i];
            long bytes = column.ChunkBytes;
            results[i] = column.WriteTo(_output, _position);
            _position += bytes;
            column.Reset();
            group.Columns.Add(results[i].Chunk);
            compressed += results[i].Chunk.MetaData.TotalCompressedSize;
            uncompressed += results[i].Chunk.MetaData.TotalUncompressedSize;
        }

        group.TotalByteSize = uncompressed;
        group.TotalCompressedSize = compressed;
        _metadata.RowGroups.Add(group);
        _metadata.NumRows += rows;
        _pageIndexes.Add(RowGroupPageIndex.Serialize(results, _scratch));
    }

    /// <summary>Pushes buffered bytes to the stream; with <paramref name="toDisk"/> on a file, fsyncs it too.</summary>
    public void Flush(bool toDisk = false)
    {
        if (toDisk && _output is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
        else
        {
            _output.Flush();
        }
    }

    /// <summary>Writes the page index and the footer; the file is complete afterwards. Idempotent.</summary>
    public FileMetaData Close()
    {
        if (_closed)
        {
            return _metadata;
        }

        // A row group left open with uneven columns is rejected, but the rows accepted before it still get
        // their footer: the file stays complete and readable, and the rejection is rethrown afterwards.
        InvalidBatchException? rejected = null;
        try
        {
            _open?.End();
        }
        catch (InvalidBatchException e)
        {
            rejected = e;
        }

        // Without WritePageIndex the chunks have no page index entries, and this writes nothing.
        _position += RowGroupPageIndex.Write(_output, _position, _metadata.RowGroups, _pageIndexes);

        using var buffer = new ByteBuffer(1 << 12);
        Describe(_metadata, Schema, Options);
        _metadata.Write(buffer);
        int footerLength = buffer.Length;
        Span<byte> tail = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tail, footerLength);
        Magic.CopyTo(tail[4..]);
        buffer.Write(tail);
        _output.Write(buffer.WrittenSpan);
        _position += buffer.Length;
        _output.Flush();
        _closed = true;
        if (rejected is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(rejected);
        }

        return _metadata;
    }

    /// <summary>
    /// The footer (<see cref="FileMetaData"/> in Thrift compact form, without the length and magic after it) of a file of
    /// <paramref name="schema"/> and <paramref name="options"/> with no row group: what <see cref="Close"/> writes for
    /// an empty file, built without a writer's column buffers. A row-group journal keeps it to rebuild footers.
    /// </summary>
    public static byte[] EmptyFileFooter(ParquetSchema schema, ParquetWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        options ??= new ParquetWriterOptions();
        options.Validate();
        var metadata = new FileMetaData();
        Describe(metadata, schema, options);
        using var buffer = new ByteBuffer(1 << 10);
        metadata.Write(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The footer's description of the file itself, apart from its row groups: schema, writer, key-value metadata, column orders.</summary>
    private static void Describe(FileMetaData metadata, ParquetSchema schema, ParquetWriterOptions options)
    {
        metadata.Schema.AddRange(schema.ToSchemaElements());
        metadata.CreatedBy = options.CreatedBy;
        if (options.KeyValueMetadata is not null)
        {
            foreach ((string key, string value) in options.KeyValueMetadata)
            {
                metadata.KeyValueMetadata.Add(new KeyValue(key, value));
            }
        }

        for (int i = 0; i < schema.Count; i++)
        {
            metadata.ColumnOrders.Add(true);
        }
    }

    /// <summary>Closes the file (writing the footer) and releases buffers.</summary>
    public void Dispose()
    {
        try
        {
            if (!_closed)
            {
                Close();
            }
        }
        finally
        {
            foreach (ColumnWriter column in _columns)
            {
                column.Dispose();
            }

            _scratch.Dispose();

            if (!_leaveOpen)
            {
                _output.Dispose();
            }
        }
    }

    private static ColumnWriter CreateColumnWriter(ColumnDescriptor column, ParquetWriterOptions options) => column.PhysicalType switch
    {
        PhysicalType.Boolean => new BooleanColumnWriter(column, options),
        PhysicalType.Int32 => new FixedWidthColumnWriter<int>(column, options),
        PhysicalType.Int64 => new FixedWidthColumnWriter<long>(column, options),
        PhysicalType.Int96 => new FixedWidthColumnWriter<Int96>(column, options),
        PhysicalType.Float => new FixedWidthColumnWriter<float>(column, options),
        PhysicalType.Double => new FixedWidthColumnWriter<double>(column, options),
        _ => new ByteArrayColumnWriter(column, options),
    };
}
