namespace ParquetFlow.SensorStore;

/// <summary>The two targets of the document.</summary>
public enum StoreProfile
{
    /// <summary>RAM only, a hard memory budget (32 KB by default), recycles oldest unsent when full.</summary>
    Stm32 = 0,

    /// <summary>RAM first, spills to CRC'd 64 KB disk sectors above the high watermark, survives power loss.</summary>
    Linux = 1,
}
