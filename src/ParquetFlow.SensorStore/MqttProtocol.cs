namespace ParquetFlow.SensorStore;

/// <summary>The MQTT version the uploader speaks.</summary>
public enum MqttProtocol
{
    /// <summary>MQTT 5: a batch is erased on a PUBACK with reason 0x00 only.</summary>
    V500 = 0,

    /// <summary>MQTT 3.1.1: no reason codes, so any PUBACK accepts; the idempotency key travels in the payload only.</summary>
    V311 = 1,
}
