namespace ParquetFlow.Sink;

/// <summary>
/// A snapshot of a <see cref="LogSink"/>'s counters. They count rows: a record is one, a column batch
/// (<see cref="LogSink.TryLogColumns"/>) as many as it holds; <c>Logged = Written + Lost</c> + the rows still in flight.
/// </summary>
/// <param name="Logged">Rows accepted into the ring.</param>
/// <param name="Written">Rows written into closed row groups.</param>
/// <param name="Dropped">Rows refused because the ring was full.</param>
/// <param name="Invalid">Rows refused because they did not match the layout or were longer than the ring takes.</param>
/// <param name="Lost">Rows accepted but lost to a write error.</param>
/// <param name="Files">Files completed (footer written, renamed to the final name).</param>
/// <param name="RowGroups">Row groups written.</param>
/// <param name="Bytes">Bytes written to files.</param>
/// <param name="LastError">The last write error, if any.</param>
public readonly record struct LogSinkStatistics(long Logged, long Written, long Dropped, long Invalid, long Lost, long Files, long RowGroups, long Bytes, string? LastError);
