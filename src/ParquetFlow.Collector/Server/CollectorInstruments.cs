using System.Diagnostics.Metrics;
using ParquetFlow.Collector.Output;
using ParquetFlow.Collector.Retention;

namespace ParquetFlow.Collector.Server;

/// <summary>
/// The collector's counters as <see cref="System.Diagnostics.Metrics"/> instruments of one <see cref="Meter"/> per
/// server (named <see cref="MeterName"/>), for any listener: OpenTelemetry's Prometheus exporter in the web view,
/// <c>dotnet-counters</c>, an OTLP exporter. Every instrument is observable: it reads the counters the ingest path
/// already keeps, only when a listener collects, so an unobserved server pays nothing. Instrument names are the
/// Prometheus names without the <c>_total</c> the exporter appends to counters.
/// </summary>
internal sealed class CollectorInstruments : IDisposable
{
    /// <summary>The meter's name: subscribe to it (<c>AddMeter</c>) to collect every collector in the process.</summary>
    public const string MeterName = "ParquetFlow.Collector";

    public CollectorInstruments(CollectorServer server, ParquetOutput? parquet, DataRetention? retention, Func<long> diskFree)
    {
        Meter = new Meter(MeterName, typeof(CollectorInstruments).Assembly.GetName().Version?.ToString());
        CollectorMetrics m = server.Metrics;
        Gauge("pqflow_collector_connections", "Connections open now.", () => m.Connections);
        Counter("pqflow_collector_connections", "Connections accepted.", () => m.ConnectionsSinceStart);
        Counter("pqflow_collector_frames", "Frames accepted (raw-logged and applied).", () => m.Frames);
        Gauge("pqflow_collector_frames_durable", "Frames accepted since start that a returned raw-log fsync made durable.", () => m.FramesDurable);
        Gauge("pqflow_collector_rows_durable", "Rows handed to Parquet since start that a returned flush made durable.", () => m.RowsDurable);
        Counter("pqflow_collector_flush_failures", "Flush steps (raw-log fsync, image.bin, Parquet) that failed.", () => m.FlushFailures);
        Counter("pqflow_collector_bytes", "Bytes of accepted frames.", () => m.Bytes);
        Counter("pqflow_collector_registers", "Register values in accepted DIFF and FULL frames.", () => m.Registers);
        Counter("pqflow_collector_rows", "Rows handed to Parquet.", () => parquet?.Rows ?? 0);
        Counter("pqflow_collector_rows_dropped", "Rows the Parquet sinks dropped.", () => parquet?.Dropped ?? 0);
        Counter("pqflow_collector_bad_frames", "Connections closed for a malformed, truncated or stalled frame.", () => m.Rejected);
        Counter("pqflow_collector_sequence_gaps", "Per-source sequence numbers that skipped.", () => server.Images.SequenceGaps);
        Counter("pqflow_collector_queries", "Queries answered.", () => m.QueriesAnswered);
        Counter("pqflow_collector_connections_refused", "Connections closed at once because the connection limit was reached.", () => m.ConnectionsRefused);
        Counter("pqflow_collector_accept_errors", "Accepts that failed (too many open files, no buffers); the listener backed off and went on.", () => m.AcceptErrors);
        Counter("pqflow_collector_frames_refused", "Frames dropped: their source is past the source limit or not allowed.", () => m.SourcesRefused);
        Counter("pqflow_collector_timestamps_refused", "Frames dropped: their timestamp is outside the window (policy refuse).", () => m.TimestampsRefused);
        Counter("pqflow_collector_timestamps_out_of_window", "Frames outside the timestamp window filed under their receive date.", () => m.TimestampsOutOfWindow);
        Counter("pqflow_collector_timeouts", "Connections closed for idling or for a query reply not taken in time.", () => m.TimeoutsClosed);
        Counter("pqflow_collector_retention_deleted_files", "Raw-log and Parquet files deleted by retention (age or free space).", () => retention?.FilesDeleted ?? 0);
        Counter("pqflow_collector_retention_deleted_bytes", "Bytes of the files retention deleted.", () => retention?.BytesDeleted ?? 0);
        Gauge("pqflow_collector_disk_free_bytes", "Bytes free on the data directory's file system (-1: unknown).", diskFree);
        Counter("pqflow_collector_aborted_at_shutdown", "Connections closed by shutdown after its grace period.", () => m.AbortedAtShutdown);
        Counter("pqflow_collector_backpressure_waits", "Frames whose connection stopped reading until their Parquet partition had room.", () => m.BackpressureWaits);
        Gauge("pqflow_collector_sources", "Sources with a register image.", () => server.Images.Sources.Count);
        Gauge("pqflow_collector_parquet_partitions_open", "Parquet partitions with a file in progress.", () => parquet?.OpenPartitions ?? 0);
        Counter("pqflow_collector_partitions_evicted", "Parquet partitions whose file was finished to stay within the open-partition limit (least recently written first).", () => parquet?.PartitionsEvicted ?? 0);
        Counter("pqflow_collector_partitions_closed_idle", "Parquet partitions whose file was finished because nobody wrote to them for the idle time.", () => parquet?.PartitionsClosedIdle ?? 0);
        Counter("pqflow_collector_partitions_closed_age", "Parquet partitions whose file was finished at the maximum file age.", () => parquet?.PartitionsClosedForAge ?? 0);
        Counter("pqflow_collector_image_saves", "image.bin rewrites (fsynced atomic replace).", () => m.ImageSaves);
        Counter("pqflow_collector_image_saves_skipped", "Flushes that left image.bin alone: no image changed since the last save.", () => m.ImageSavesUnneeded);
    }

    /// <summary>This server's meter; a listener that must see this server alone compares instruments' <c>Meter</c> with it.</summary>
    public Meter Meter { get; }

    public void Dispose() => Meter.Dispose();

    private void Counter(string name, string help, Func<long> read) =>
        Meter.CreateObservableCounter(name, read, unit: null, description: help);

    private void Gauge(string name, string help, Func<long> read) =>
        Meter.CreateObservableGauge(name, read, unit: null, description: help);
}
