// What the rings tell an operator through MappedRingOptions.Logger, SharedRingBuilder.Logger and SharedRingConsumer.Attach: source-generated, free when disabled.
using Microsoft.Extensions.Logging;

namespace ParquetFlow.Ipc;

/// <summary>The rings' log messages (event ids 2000–2099). Called when a ring is created, opened or damaged, never per row.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "created ring {Path}: {SlotCount} slots of {SlotSize} bytes")]
    public static partial void RingCreated(ILogger logger, string path, int slotCount, int slotSize);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "opened ring {Path}: {SlotCount} slots of {SlotSize} bytes, {Unread} unread")]
    public static partial void RingOpened(ILogger logger, string path, int slotCount, int slotSize, ulong unread);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "refused {Path}: {Reason}")]
    private static partial void Refused(ILogger logger, string path, string reason);

    /// <summary>Why <paramref name="path"/> is not opened, in the words of <paramref name="refusal"/> without the path it starts with.</summary>
    public static void Refused(ILogger logger, string path, IOException refusal)
    {
        string reason = refusal.Message.StartsWith(path, StringComparison.Ordinal) ? refusal.Message[path.Length..].TrimStart(':', ' ') : refusal.Message;
        Refused(logger, path, reason);
    }

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "ring {Path}: the read sequence {Read} was past the write sequence {Write} (a crash during a reset); repaired to empty")]
    public static partial void HeaderRepaired(ILogger logger, string path, ulong read, ulong write);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "ring {Path}: slot of write {Sequence} is torn (its CRC or header does not match); skipped")]
    public static partial void TornSlot(ILogger logger, string path, ulong sequence);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "ring {Path}: fsync failed ({Reason}); no later write is durable")]
    public static partial void SyncFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "created segment {Path}: {Capacity} rows of {RowSize} bytes")]
    public static partial void SegmentCreated(ILogger logger, string path, long capacity, int rowSize);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "reattached to segment {Path} at row {Head} (previous producer: {Previous})")]
    public static partial void SegmentReattached(ILogger logger, string path, long head, string previous);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "segment {Path}: row {Row} was published by the previous producer but not counted in head; head is now {Head}")]
    public static partial void HeadAdvanced(ILogger logger, string path, long row, long head);

    [LoggerMessage(EventId = 2013, Message = "segment {Path}: {Notice}")]
    public static partial void MemoryNotice(ILogger logger, LogLevel level, string path, string notice);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Information, Message = "consumer {Consumer} attached to segment {Path} at row {Cursor} (head {Head})")]
    public static partial void ConsumerAttached(ILogger logger, string consumer, string path, long cursor, long head);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Warning, Message = "consumer {Consumer} takes over its entry in segment {Path} from dead pid {Pid}, resuming at row {Cursor}")]
    public static partial void ConsumerTakenOver(ILogger logger, string consumer, string path, int pid, long cursor);

    [LoggerMessage(EventId = 2016, Level = LogLevel.Warning, Message = "consumer {Consumer} of segment {Path} lags: lapped by the producer, {Lost} rows lost since the last report, {Total} in all")]
    public static partial void ConsumerLapped(ILogger logger, string consumer, string path, long lost, long total);
}
