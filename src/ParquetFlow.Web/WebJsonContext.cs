using System.Text.Json.Serialization;

namespace ParquetFlow.Web;

/// <summary>The web view's JSON, generated at compile time (no reflection, NativeAOT-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(OverviewResponse))]
[JsonSerializable(typeof(int[]))]
internal sealed partial class WebJsonContext : JsonSerializerContext;

/// <summary>The overview page's data: the server's totals and one page of sources.</summary>
internal sealed record OverviewResponse(ServerTotals Totals, int Page, int PageSize, int SourceCount, IReadOnlyList<SourceRow> Sources);

/// <summary>The server's counters as the overview shows them.</summary>
internal sealed record ServerTotals(
    long Connections,
    long Frames,
    long Registers,
    long Bytes,
    long BadFrames,
    long SequenceGaps,
    long Sources,
    long ParquetRows,
    long FramesRefused,
    long Timeouts,
    long DiskFreeBytes,
    long NowUs,
    int BucketSeconds);

/// <summary>One source on the overview.</summary>
internal sealed record SourceRow(
    string Source,
    string Link,
    long LastSeenUs,
    long Frames,
    long Registers,
    long SequenceGaps,
    double FramesPerSecond,
    double RegistersPerSecond,
    int[] RegisterHistory);
