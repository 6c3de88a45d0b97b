namespace ParquetFlow.Sink;

/// <summary>A snapshot of a <see cref="LogSink"/>'s counters.</summary>
/// <param name="Logged">Records accepted into the ring.</param>
/// <param name="Written">Records written into closed row groups.</param>
/// <param name="Dropped">Records refused because the ring was full.</param>
/// <param name="Invalid">Records refused because they did not match the layout or were longer than the ring takes.</param>
/// <param name="Lost">Records accepted but lost to a write error.</param>
/// <param name="Files">Files completed (footer written, renamed to the final name).</param>
/// <param name="RowGroups">Row groups written.</param>
/// <param name="Bytes">Bytes written to files.</param>
/// <param name="LastError">The last write error, if any.</param>
public readonly record struct LogSinkStatistics(long Logged, long Written, long Dropped, long Invalid, long Lost, long Files, long RowGroups, long Bytes, string? LastError);
