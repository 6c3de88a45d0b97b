namespace ParquetFlow.Sink;

/// <summary>
/// Outcome of a log call. The numeric values are the C API's <c>pqflow_error</c> codes.
/// </summary>
public enum LogResult
{
    /// <summary>The record was copied into the ring.</summary>
    Ok = 0,

    /// <summary>The ring had no room; the record was dropped and counted.</summary>
    Full = 1,

    /// <summary>The record's length or content does not match the layout; nothing was logged.</summary>
    Invalid = 2,

    /// <summary>
    /// The sink failed to write a file (see <see cref="LogSinkStatistics.LastError"/>), or its writer thread died and the
    /// ring is closed: every later call returns this at once, waiting producers (<see cref="RingFullMode.Wait"/>) too.
    /// </summary>
    Io = 3,

    /// <summary>No schema (layout) is set.</summary>
    Schema = 4,
}
