// Linked into the test projects that assert what a component logs: a logger that keeps every entry it is given.
using Microsoft.Extensions.Logging;

namespace ParquetFlow.Tests.Shared;

/// <summary>One entry a <see cref="ListLogger"/> received: its level and its formatted message.</summary>
internal readonly record struct LogEntry(LogLevel Level, string Message);

/// <summary>
/// Collects every entry, at every level, into <see cref="Entries"/>; thread-safe, since components log from their own
/// threads (a sink's writer, an uploader's loop).
/// </summary>
internal sealed class ListLogger : ILogger
{
    private readonly Lock _lock = new();
    private readonly List<LogEntry> _entries = [];

    /// <summary>A snapshot of the entries so far, in the order they were logged.</summary>
    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>The entries at <paramref name="level"/> whose message contains every one of <paramref name="parts"/>.</summary>
    public IReadOnlyList<LogEntry> Matching(LogLevel level, params string[] parts) =>
        [.. Entries.Where(e => e.Level == level && parts.All(p => e.Message.Contains(p, StringComparison.Ordinal)))];

    /// <summary>Every entry in one string, for an assertion's message.</summary>
    public override string ToString() => string.Join(Environment.NewLine, Entries.Select(e => $"{e.Level}: {e.Message}"));

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lock)
        {
            _entries.Add(new LogEntry(logLevel, formatter(state, exception)));
        }
    }
}
