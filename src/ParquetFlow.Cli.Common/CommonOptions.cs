using System.CommandLine;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Ipc;

namespace ParquetFlow.Cli;

/// <summary>
/// The options several commands share, declared once so that a name means one thing with one default everywhere:
/// <c>--host</c>/<c>--port</c> of a collector or broker, <c>--framing</c>, <c>--wait</c>, <c>--json</c>.
/// </summary>
public static class CommonOptions
{
    /// <summary><c>--json</c>: print one JSON document (for scripts) instead of the human-readable report.</summary>
    public static Option<bool> Json() => new("--json") { Description = "Print one JSON document for scripts instead of the report (field names in docs/formats.md, \"CLI JSON\")" };

    /// <summary><c>--host</c> of the server the command talks to (<paramref name="what"/>: "Collector", "MQTT broker").</summary>
    public static Option<string> Host(string what) => new("--host") { Description = $"{what} host", DefaultValueFactory = _ => "127.0.0.1" };

    /// <summary><c>--port</c>: of the server the command talks to, or the one it listens on.</summary>
    public static Option<int> Port(string description, int defaultPort) => new("--port") { Description = description, DefaultValueFactory = _ => defaultPort };

    /// <summary><c>--framing</c> of collector connections.</summary>
    public static Option<FramingKind> Framing(string description = "Framing of the connections: Simple or Packet") =>
        new("--framing") { Description = description, DefaultValueFactory = _ => FramingKind.Packet };

    /// <summary>
    /// <c>--segment-dir</c> of the <c>shm</c> commands: where SharedRing segment files live. <c>--dir</c> stays an alias
    /// (it was the name before); elsewhere <c>--dir</c> is the directory a command keeps its own files in (a store, a demo).
    /// </summary>
    public static Option<string?> SegmentDirectory() => new("--segment-dir", "--dir") { Description = "Directory of the segment files (default /dev/shm)" };

    /// <summary><c>--wait</c>: how a consumer of a shared-memory ring waits for rows.</summary>
    public static Option<WaitStrategy> Wait(WaitStrategy defaultStrategy, string description = "How to wait for rows: Spin, Yield or Futex") =>
        new("--wait") { Description = description, DefaultValueFactory = _ => defaultStrategy };
}
