namespace ParquetFlow.SensorStore;

/// <summary>What the uploader has done so far.</summary>
public sealed record UploaderStats(long BatchesAcknowledged, long RecordsAcknowledged, long PublishFailures, long Reconnects, bool Connected)
{
    /// <summary>Publishes whose PUBACK did not accept the batch, by reason ("0x10 NoMatchingSubscribers"); each is also a publish failure.</summary>
    public IReadOnlyDictionary<string, long> Refusals { get; init; } = new Dictionary<string, long>();

    /// <summary>The last connection or publish failure in words (a refused certificate, a refused login, a broker gone), or null.</summary>
    public string? LastError { get; init; }
}
