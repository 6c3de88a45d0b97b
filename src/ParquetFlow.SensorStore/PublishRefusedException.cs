using MQTTnet;

namespace ParquetFlow.SensorStore;

/// <summary>The broker's PUBACK did not accept a batch for delivery; the batch stays pending.</summary>
public sealed class PublishRefusedException(MqttClientPublishReasonCode reason, string? detail)
    : Exception($"the broker refused the batch: PUBACK reason 0x{(byte)reason:X2} {reason}{(string.IsNullOrEmpty(detail) ? "" : $" ({detail})")}")
{
    /// <summary>The PUBACK's reason code.</summary>
    public MqttClientPublishReasonCode Reason { get; } = reason;
}
