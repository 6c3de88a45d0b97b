namespace ParquetFlow.SensorStore;

/// <summary>
/// The name of a <see cref="SensorSource"/> (<c>host</c>, <c>application</c>, <c>can</c>) wherever a sensor is named:
/// the MQTT topic, the idempotency key, the stats line and the store's sub-directory all use it, so they agree.
/// </summary>
public static class SensorNames
{
    /// <summary>The lower-case name of <paramref name="source"/>; throws <see cref="ArgumentOutOfRangeException"/> for an unknown one.</summary>
    public static string Of(SensorSource source) => source switch
    {
        SensorSource.Host => "host",
        SensorSource.Application => "application",
        SensorSource.Can => "can",
        _ => throw new ArgumentOutOfRangeException(nameof(source)),
    };
}
