namespace ParquetFlow.SensorStore;

/// <summary>The record kind a sensor stores; fixed when the sensor is initialized.</summary>
public enum SensorType : byte
{
    /// <summary>Value-only samples: 4-byte records (<c>uint32 value</c>).</summary>
    TimeSeries = 1,

    /// <summary>Value plus timestamp: 12-byte records (<c>uint32 value; uint64 ts_ms</c>).</summary>
    Event = 2,
}
