using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParquetFlow.Durability;

namespace ParquetFlow.Collector.Server;

/// <summary>What a <see cref="CollectorServer"/> listens on and where it keeps its data.</summary>
public sealed record CollectorOptions
{
    /// <summary>Directory of <c>image.bin</c> and the raw log (<c>raw/</c>).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The listeners; several may run in one server, each with its own framing.</summary>
    public required IReadOnlyList<ListenerOptions> Listeners { get; init; }

    /// <summary>A frame begun but not finished within this time closes its connection (a slow or stuck client).</summary>
    public TimeSpan FrameTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often <c>image.bin</c> is rewritten and the raw log fsynced.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The raw log starts a new file past this size.</summary>
    public long RawLogRotateBytes { get; init; } = 64L << 20;

    /// <summary>Write rows <c>(time, source_type, source_id, seq, offset, value)</c> to Hive-partitioned Parquet under <c>parquet/</c>.</summary>
    public bool WriteParquet { get; init; } = true;

    /// <summary>Parquet files of a partition rotate past this size.</summary>
    public long ParquetRotateBytes { get; init; } = 50L << 20;

    /// <summary>
    /// A Parquet partition (source and date) nobody has written to for this long gets its file completed and its writer
    /// thread stopped, checked at each flush; a later row opens it again. Default 5 minutes.
    /// </summary>
    public TimeSpan PartitionIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Port of the Prometheus metrics endpoint (<c>GET /metrics</c>) on loopback; null for none, 0 for any free port.</summary>
    public int? MetricsPort { get; init; }

    /// <summary>Where connection events and rejected frames are logged.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Where the raw log, <c>image.bin</c> and Parquet are written and fsynced: the file system, or a test's <see cref="Durability.Faults.FaultyStorage"/>.</summary>
    public Storage Storage { get; init; } = Storage.Default;

    /// <summary>The clock behind receive times, idle partitions and file ages (a test's fake clock moves them without waiting).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
