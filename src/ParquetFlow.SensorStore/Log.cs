// What the store and the uploader tell an operator through SensorStoreOptions.Logger and UploaderOptions.Logger: source-generated, free when disabled.
using Microsoft.Extensions.Logging;

namespace ParquetFlow.SensorStore;

/// <summary>The store's (3000–3049) and the uploader's (3050–3099) log messages. Never called per record.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "opened store {Directory}: {Recovered} sensors recovered ({FromMeta} from their meta), {Unrecovered} not recovered, {Corrupt} corrupt sectors skipped")]
    public static partial void StoreOpened(ILogger logger, string directory, int recovered, int fromMeta, int unrecovered, int corrupt);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "{Path}: slot {Slot} {Problem}; skipped at recovery")]
    public static partial void CorruptSectorSkipped(ILogger logger, string path, int slot, string problem);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "{Path}: {Problem}; recovering from a scan of the sectors")]
    public static partial void MetaUnusable(ILogger logger, string path, string problem);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "{Sensor}: not recovered ({Reason}); its files are kept for a later open")]
    public static partial void SensorNotRecovered(ILogger logger, string sensor, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "{Path}: slot {Slot} (records {First}..{Last}) failed its CRC when read; {Records} records dropped")]
    public static partial void CorruptSectorDropped(ILogger logger, string path, int slot, ulong first, ulong last, ulong records);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "disk quota of {Quota} bytes reached: {Sectors} oldest unsent sectors ({Records} records) dropped since the last report, {Total} sectors in all")]
    public static partial void QuotaEvicted(ILogger logger, long quota, long sectors, long records, long total);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "{Operation} {Path} failed ({Reason}); retried on the next manager pass")]
    public static partial void WriteFailed(ILogger logger, string operation, string path, string reason);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Error, Message = "{Failures} consecutive disk writes failed, the last {Operation} {Path} ({Reason}); the store reports itself unhealthy")]
    public static partial void Unhealthy(ILogger logger, int failures, string operation, string path, string reason);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "disk writes to {Path} succeed again after {Failures} failures")]
    public static partial void WritesRecovered(ILogger logger, string path, int failures);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Error, Message = "reading the store's disk failed ({Reason}): {Failures} failed reads since the last report, {Total} in all; the sectors are kept")]
    public static partial void ReadsFailed(ILogger logger, string reason, long failures, long total);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "{Path} was rewritten under a new inode after a failed fsync")]
    public static partial void DataFileRewritten(ILogger logger, string path);

    [LoggerMessage(EventId = 3050, Level = LogLevel.Information, Message = "uploader connected to {Host}:{Port} ({Protocol}, {Transport}; connection {Connection})")]
    public static partial void Connected(ILogger logger, string host, int port, MqttProtocol protocol, string transport, long connection);

    [LoggerMessage(EventId = 3051, Level = LogLevel.Warning, Message = "uploader lost its connection to {Host}:{Port} ({Reason})")]
    public static partial void ConnectionLost(ILogger logger, string host, int port, string reason);

    [LoggerMessage(EventId = 3052, Message = "uploading to {Host}:{Port} failed ({Reason}); retrying in {WaitMs} ms")]
    public static partial void Retrying(ILogger logger, LogLevel level, string host, int port, string reason, long waitMs);

    [LoggerMessage(EventId = 3053, Level = LogLevel.Warning, Message = "the broker refused batch {Key} ({Records} records) on {Topic}: PUBACK reason 0x{Code:X2} {Reason}{Detail}; kept and sent again")]
    public static partial void PublishRefused(ILogger logger, string key, int records, string topic, byte code, string reason, string detail);

    [LoggerMessage(EventId = 3054, Level = LogLevel.Error, Message = "TLS: the certificate of broker {Host} ({Subject}) is refused: {Problem}; no batch is sent to it")]
    public static partial void CertificateRefused(ILogger logger, string host, string subject, string problem);

    [LoggerMessage(EventId = 3055, Level = LogLevel.Information, Message = "uploader disconnected from {Host}:{Port}")]
    public static partial void Disconnected(ILogger logger, string host, int port);
}
