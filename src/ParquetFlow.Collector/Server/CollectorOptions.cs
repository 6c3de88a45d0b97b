using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParquetFlow.Durability;
using ParquetFlow.Parquet;

namespace ParquetFlow.Collector.Server;

/// <summary>What a <see cref="CollectorServer"/> listens on and where it keeps its data.</summary>
public sealed record CollectorOptions
{
    /// <summary>Directory of <c>image.bin</c> and the raw log (<c>raw/</c>).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The listeners; several may run in one server, each with its own framing.</summary>
    public required IReadOnlyList<ListenerOptions> Listeners { get; init; }

    /// <summary>
    /// A frame must be complete this long after its first byte arrived, however the bytes trickle in, or its connection
    /// is closed (a slow or stuck client, or one that sends a byte every few seconds to hold the connection).
    /// </summary>
    public TimeSpan FrameTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A connection that sends nothing for this long is closed. Default 5 minutes.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A query reply the client has not taken within this time closes the connection (a client that never reads).</summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connections open at once, over all listeners; one past it is closed as soon as it is accepted. Default 1,024.</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>
    /// Sources (type and id) the collector keeps state for: an image, a partition. A DIFF or FULL frame of a new
    /// source past it is dropped (counted, logged once per connection); the sources already known, including those
    /// loaded from <c>image.bin</c>, stay. Default 1,024.
    /// </summary>
    public int MaxSources { get; init; } = 1024;

    /// <summary>When set, only sources in one of these ranges are accepted; frames of others are dropped (counted, logged once per connection).</summary>
    public IReadOnlyList<SourceRange>? AllowedSources { get; init; }

    /// <summary>A frame whose sender time is older than its receive time by more than this is out of the window. Default 7 days.</summary>
    public TimeSpan MaxTimestampAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>A frame whose sender time is ahead of its receive time by more than this is out of the window. Default 1 hour.</summary>
    public TimeSpan MaxTimestampLead { get; init; } = TimeSpan.FromHours(1);

    /// <summary>What becomes of a frame outside the timestamp window; by default it is kept under its receive date.</summary>
    public OutOfWindowPolicy OutOfWindow { get; init; } = OutOfWindowPolicy.PartitionByReceiveTime;

    /// <summary>
    /// How long <see cref="CollectorServer.StopAsync"/> lets open connections finish what they sent before it closes them,
    /// whatever the clients do; it then still fsyncs the raw log and saves <c>image.bin</c>. Default 10 s.
    /// </summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often <c>image.bin</c> is rewritten and the raw log fsynced.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The raw log starts a new file past this size.</summary>
    public long RawLogRotateBytes { get; init; } = 64L << 20;

    /// <summary>Write rows <c>(time, source_type, source_id, seq, offset, value)</c> to Hive-partitioned Parquet under <c>parquet/</c>.</summary>
    public bool WriteParquet { get; init; } = true;

    /// <summary>The writer profile of the Parquet partitions: Compatible (the default, every reader reads the files) or Compact.</summary>
    public ParquetProfile ParquetProfile { get; init; } = ParquetProfile.Compatible;

    /// <summary>Parquet files of a partition rotate past this size.</summary>
    public long ParquetRotateBytes { get; init; } = 50L << 20;

    /// <summary>
    /// A Parquet partition (source and date) nobody has written to for this long gets its file completed and its writer
    /// thread stopped, checked at each flush; a later row opens it again. Default 5 minutes.
    /// </summary>
    public TimeSpan PartitionIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Parquet partitions (source and date) open at once, each a ring and the column buffers of a row group; one more
    /// finishes the file of the least recently written first (counted in <c>pqflow_collector_partitions_evicted_total</c>),
    /// and a later row for that one opens it again as its next part file. Default 128.
    /// </summary>
    public int MaxOpenPartitions { get; init; } = 128;

    /// <summary>
    /// Memory for the rings of all open Parquet partitions together: each gets its share of it by
    /// <see cref="MaxOpenPartitions"/> (see <see cref="Output.ParquetOutput.RingBudgetBytes"/>). Default 32 MiB.
    /// </summary>
    public long ParquetRingBudgetBytes { get; init; } = 32L << 20;

    /// <summary>
    /// Memory for the rows waiting for their row group in all open Parquet partitions together (see
    /// <see cref="Output.ParquetOutput.RowBufferBudgetBytes"/>). Default 64 MiB.
    /// </summary>
    public long ParquetRowBufferBudgetBytes { get; init; } = 64L << 20;

    /// <summary>Writer threads shared by every open Parquet partition (see <see cref="Output.ParquetOutput.WriterThreads"/>). Default 2.</summary>
    public int ParquetWriterThreads { get; init; } = 2;

    /// <summary>A partition's Parquet file is finished once it has been open this long; its next row starts a new one. Default 1 hour.</summary>
    public TimeSpan MaxParquetFileAge { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A partition with few rows waiting (fewer than 4,096) gets a row group when its oldest row is this old rather than
    /// at every flush; its rows are in the fsynced raw log meanwhile. Default 1 minute.
    /// </summary>
    public TimeSpan QuietRowGroupTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>What the collector deletes to keep running on a fixed disk (raw log and Parquet by age and free space); nothing by default.</summary>
    public Retention.RetentionOptions Retention { get; init; } = new();

    /// <summary>Where connection events and rejected frames are logged.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Where the raw log, <c>image.bin</c> and Parquet are written and fsynced: the file system, or a test's <see cref="Durability.Faults.FaultyStorage"/>.</summary>
    public Storage Storage { get; init; } = Storage.Default;

    /// <summary>The clock behind receive times, idle partitions and file ages (a test's fake clock moves them without waiting).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
