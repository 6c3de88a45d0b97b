namespace ParquetFlow.Collector.Framing;

/// <summary>Kind of device a packet comes from (the source document's <c>DataSourceType</c>).</summary>
public enum SourceType : byte
{
    Unknown = 0,
    Sbmu = 1,
    Rack = 2,
    Rtos = 3,
}
