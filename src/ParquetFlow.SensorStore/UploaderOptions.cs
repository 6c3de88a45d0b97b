namespace ParquetFlow.SensorStore;

/// <summary>Where and how the uploader publishes.</summary>
public sealed record UploaderOptions
{
    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 1883;

    /// <summary>
    /// This gateway's id: part of every topic, idempotency key and the MQTT client id (<see cref="GatewayIdentity.IsValid"/>).
    /// Null: the id generated once and kept beside the store (<see cref="GatewayIdentity.LoadOrCreate"/>); a RAM-only
    /// store needs it given.
    /// </summary>
    public string? GatewayId { get; init; }

    public string TopicPrefix { get; init; } = "pqflow";

    /// <summary>Most records per published batch.</summary>
    public int BatchRecords { get; init; } = 1024;

    /// <summary>First retry delay while the broker is unreachable; doubled up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Pause when no sensor has unsent records.</summary>
    public TimeSpan IdleDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long one publish may wait for its PUBACK.</summary>
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
