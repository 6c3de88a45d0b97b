namespace ParquetFlow.SensorStore;

/// <summary>What the uploader has done so far.</summary>
public sealed record UploaderStats(long BatchesAcknowledged, long RecordsAcknowledged, long PublishFailures, long Reconnects, bool Connected);
