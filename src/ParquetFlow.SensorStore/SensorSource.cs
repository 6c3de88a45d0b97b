namespace ParquetFlow.SensorStore;

/// <summary>Where a sensor lives; the same sensor id may exist once in each source.</summary>
public enum SensorSource : byte
{
    /// <summary>The gateway itself (disk sub-directory <c>host/</c>).</summary>
    Host = 0,

    /// <summary>Application-defined sensors (<c>application/</c>).</summary>
    Application = 1,

    /// <summary>Values read from the CAN bus (<c>can/</c>).</summary>
    Can = 2,
}
