using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParquetFlow.Durability;
using ParquetFlow.Parquet;

namespace ParquetFlow.Sink;

/// <summary>Configuration of a <see cref="LogSink"/>.</summary>
public sealed record LogSinkOptions
{
    /// <summary>
    /// Path of the files to write. <c>{seq}</c> becomes the file's sequence number (6 digits) and <c>{utc}</c> the UTC
    /// time the file was opened (<c>yyyyMMddTHHmmssfffZ</c>). Without <c>{seq}</c>, files after the first get
    /// <c>-000001</c>, <c>-000002</c>… before the extension. <c>{seq}</c> continues after the highest number already
    /// in the directory, so files of a sink reopened there sort after the earlier ones.
    /// </summary>
    public required string FilePattern { get; init; }

    /// <summary>Ring size in bytes (power of two); a record takes ceil((4 + length) / 64) slots of 64 bytes. Default 16 MiB.</summary>
    public int RingCapacityBytes { get; init; } = 1 << 24;

    /// <summary>Several threads log at once (an <see cref="MpscRing"/>); otherwise exactly one thread logs (an <see cref="SpscRing"/>).</summary>
    public bool MultiProducer { get; init; }

    /// <summary>What a producer does when the ring is full; dropping (and counting) is the default.</summary>
    public RingFullMode FullMode { get; init; } = RingFullMode.Drop;

    /// <summary>Rows per row group. Default 65 536.</summary>
    public int RowGroupRows { get; init; } = 65_536;

    /// <summary>A row group with rows waiting is written once its first row is this old. Default 1 s.</summary>
    public TimeSpan RowGroupTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest the writer thread sleeps between drains while the ring stays quiet; the sleep adapts between 1 ms and
    /// this to the rate records arrive (and is never more than a quarter of <see cref="RowGroupTimeout"/>). Default 1 ms.
    /// Raise it when many sinks share a process (each wake costs a context switch); a burst arriving while the writer
    /// sleeps must fit in the ring until it wakes, unless <see cref="FullMode"/> is <see cref="RingFullMode.Wait"/>, where
    /// a producer that finds the ring full wakes the writer.
    /// </summary>
    public TimeSpan MaxWriterSleep { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Pin the writer thread to this CPU (Linux), e.g. away from the CPU of a pinned hot thread, so the writer never
    /// preempts it; null (the default) leaves placement to the OS. A CPU that cannot be used is reported in
    /// <see cref="LogSinkStatistics.LastError"/> and the writer runs unpinned.
    /// </summary>
    public int? WriterCpu { get; init; }

    /// <summary>
    /// Each new file makes the directory of <see cref="FilePattern"/> again when it is gone (someone else removes empty
    /// directories, as a collector's retention does); otherwise a missing directory fails the file and its rows are lost.
    /// </summary>
    public bool CreateMissingDirectory { get; init; }

    /// <summary>Start a new file after this many rows (0 = no limit).</summary>
    public long MaxRowsPerFile { get; init; }

    /// <summary>Start a new file once a file reaches this many bytes (0 = no limit; checked after each row group).</summary>
    public long MaxBytesPerFile { get; init; }

    /// <summary>Start a new file once a file has been open this long (null = no limit).</summary>
    public TimeSpan? MaxFileAge { get; init; }

    /// <summary>Compression codec. Default Snappy.</summary>
    public CompressionCodec Compression { get; init; } = CompressionCodec.Snappy;

    /// <summary>Codec level (0 = the codec's default).</summary>
    public int CompressionLevel { get; init; }

    /// <summary>
    /// The writer profile for columns not listed in <see cref="Encodings"/>: <see cref="ParquetProfile.Compatible"/>
    /// (the default: PLAIN and dictionary, pages v1, read by every reader) or <see cref="ParquetProfile.Compact"/>
    /// (delta integers and timestamps, byte-stream-split floats, RLE booleans, pages v2: smaller files).
    /// </summary>
    public ParquetProfile Profile { get; init; } = ParquetProfile.Compatible;

    /// <summary>
    /// Encodings by column name, which win over the profile; columns not listed get dictionary for strings and the
    /// writer's automatic choice within <see cref="Profile"/> otherwise. No column name implies an encoding.
    /// </summary>
    public IReadOnlyDictionary<string, ParquetEncoding>? Encodings { get; init; }

    /// <summary>Threads that encode and compress the columns of a row group (default 1: the writer thread alone).</summary>
    public int EncodingThreads { get; init; } = 1;

    /// <summary>Fsync and journal every row group as it ends, so that a crash loses only row groups not yet written. Default on.</summary>
    public bool DurableRowGroups { get; init; } = true;

    /// <summary>Key-value metadata written into every file's footer.</summary>
    public IReadOnlyDictionary<string, string>? KeyValueMetadata { get; init; }

    /// <summary>Where files are written, fsynced, renamed and recovered: the machine's file system, or a test's <see cref="Durability.Faults.FaultyStorage"/>.</summary>
    public Storage Storage { get; init; } = Storage.Default;

    /// <summary>The clock behind row-group timeouts, file ages and the <c>{utc}</c> in file names (a test's fake clock moves them without waiting).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Writer threads shared with other sinks; null (the default) gives the sink a writer thread of its own. A process
    /// with many sinks (the collector's partitions) shares a few threads instead of a thousand. Not with
    /// <see cref="WriterCpu"/>.
    /// </summary>
    public SinkWriterPool? WriterPool { get; init; }

    /// <summary>
    /// Where the sink reports what an operator needs: files completed (Information), files recovered or set aside at
    /// start-up and records dropped on a full ring (Warning, at most once per 10 s), failed writes and fsyncs, lost rows
    /// and a dead writer thread (Error). Called from the writer thread and start-up only, never per record. Default none.
    /// </summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;
}
