// What a LogSink tells an operator through LogSinkOptions.Logger: source-generated, so a disabled level costs one check and no allocation.
using Microsoft.Extensions.Logging;

namespace ParquetFlow.Sink;

/// <summary>The sink's log messages (event ids 1000–1099). Called from the writer thread and start-up recovery only, never per record.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Error, Message = "the writer thread of {Pattern} died ({Reason}); nothing logged since is written")]
    public static partial void WriterDied(ILogger logger, string pattern, string reason);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "{Operation} {Path} failed: {Reason}")]
    public static partial void WriteFailed(ILogger logger, string operation, string? path, string reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "{Rows} rows lost: {Reason}")]
    public static partial void RowsLost(ILogger logger, long rows, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "completed {Path}: {Rows} rows, {Bytes} bytes")]
    public static partial void FileCompleted(ILogger logger, string path, long rows, long bytes);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "completed {Path} from its journal after a write failure: {RowGroups} row groups, {Rows} rows")]
    public static partial void AbandonedFileCompleted(ILogger logger, string path, int rowGroups, long rows);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "recovered {Path} left in progress by a crash: {RowGroups} row groups, {Rows} rows kept, {CutBytes} bytes cut off")]
    public static partial void FileRecovered(ILogger logger, string path, int rowGroups, long rows, long cutBytes);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "{Path} cannot be recovered ({Reason}); set aside as {Aside}")]
    public static partial void FileSetAside(ILogger logger, string path, string reason, string aside);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "{Path} cannot be recovered ({Reason}) nor set aside ({Failure})")]
    public static partial void FileNotSetAside(ILogger logger, string path, string reason, string failure);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Error, Message = "{Path} not recovered now, the disk failed ({Reason}); left for the next start")]
    public static partial void RecoveryDeferred(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "the ring of {Pattern} was full: {Dropped} records dropped since the last report, {Total} in all")]
    public static partial void RecordsDropped(ILogger logger, string pattern, long dropped, long total);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "could not pin the writer thread of {Pattern} to CPU {Cpu}; it runs unpinned")]
    public static partial void WriterUnpinned(ILogger logger, string pattern, int cpu);
}
