using System.Globalization;
using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Images;
using ParquetFlow.Collector.Server;

namespace ParquetFlow.Web;

/// <summary>
/// The operators' view of a running <see cref="CollectorServer"/>, served by Kestrel inside the collector's process:
/// an overview of every source, a live register page per source (server-sent events), the image as a download,
/// <c>/metrics</c> and <c>/healthz</c>. It only reads the server's state, and only while a page asks: with no browser
/// open it costs the collector nothing beyond the counters <see cref="SourceActivity"/> keeps anyway.
/// </summary>
public sealed class WebView : IAsyncDisposable
{
    /// <summary>Sources per overview page unless the page asks for another size.</summary>
    internal const int DefaultPageSize = 100;

    /// <summary>The largest overview page a client may ask for.</summary>
    internal const int MaxPageSize = 1000;

    private static readonly Dictionary<string, (byte[] Bytes, string ContentType)> s_assets = LoadAssets();

    private readonly WebApplication _app;
    private readonly CollectorServer _server;
    private readonly MeterProvider _meters;

    private WebView(WebApplication app, CollectorServer server, MeterProvider meters)
    {
        _app = app;
        _server = server;
        _meters = meters;
    }

    /// <summary>The address the view answers on (port 0 in the end point becomes the real port here), e.g. <c>http://127.0.0.1:8080/</c>.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Starts serving <paramref name="server"/> on <paramref name="endPoint"/>; throws <see cref="IOException"/> when it cannot bind.</summary>
    public static async Task<WebView> StartAsync(CollectorServer server, IPEndPoint endPoint, ILoggerFactory? logging = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(endPoint);
        // The slim builder reads no appsettings from wherever the collector was started: the content root is the
        // binary's own directory, and nothing below reads configuration.
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        // Kestrel's own warnings and errors go where the collector logs; a line per request would drown the log.
        builder.Logging.ClearProviders();
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        if (logging is not null)
        {
            builder.Logging.AddProvider(new CollectorLogging(logging));
        }

        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(endPoint);
            o.AddServerHeader = false;
        });
        // The collector owns SIGINT/SIGTERM and stops the view itself, after the last page's events.
        builder.Services.AddSingleton<IHostLifetime, HostedByCollector>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        WebApplication app = builder.Build();
        var view = new WebView(app, server, ExportToPrometheus(server));
        view.Map(app);
        await app.StartAsync().ConfigureAwait(false);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        view.Address = new Uri(address.EndsWith('/') ? address : address + "/");
        return view;
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/", () => Asset("overview.html"));
        app.MapGet("/source/{type}/{id:int}", () => Asset("registers.html"));
        app.MapGet("/assets/{name}", (string name) => Asset(name));
        app.MapGet("/healthz", () => Results.Text("ok\n", "text/plain"));
        app.MapPrometheusScrapingEndpoint("/metrics", _meters, configureBranchedPipeline: null, optionsName: null);
        app.MapGet("/api/overview", (int? page, int? size) => Overview(page ?? 0, size ?? DefaultPageSize));
        app.MapGet("/api/sources/{type}/{id:int}/image.bin", (string type, int id) => Image(type, id));
        app.MapGet("/api/sources/{type}/{id:int}/events", (string type, int id, HttpContext context) => RegisterEvents.RunAsync(context, _server.Images, type, id, Lifetime()));
    }

    /// <summary>
    /// OpenTelemetry's Prometheus exporter over this server's instruments alone: other collectors in the process
    /// (tests run several) have meters of the same name, which the view drops. Every scrape reads the counters now
    /// (no response cache), so what a scrape shows is never older than the request.
    /// </summary>
    private static MeterProvider ExportToPrometheus(CollectorServer server) =>
        Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(r => r.AddService("pqflow-collector"))
            .AddMeter(server.Meter.Name)
            .AddView(instrument => ReferenceEquals(instrument.Meter, server.Meter) ? null : MetricStreamConfiguration.Drop)
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0)
            .Build();

    private CancellationToken Lifetime() => _app.Lifetime.ApplicationStopping;

    private static IResult Asset(string name) =>
        s_assets.TryGetValue(name, out (byte[] Bytes, string ContentType) asset)
            ? Results.Bytes(asset.Bytes, asset.ContentType)
            : Results.NotFound();

    private IResult Overview(int page, int size)
    {
        if (page < 0 || size < 1 || size > MaxPageSize)
        {
            return Results.BadRequest($"page must be 0 or more and size 1..{MaxPageSize}");
        }

        long now = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        IReadOnlyList<SourceKey> sources = _server.Images.Sources;
        var rows = new List<SourceRow>(Math.Min(size, sources.Count));
        for (int i = page * size; i < sources.Count && rows.Count < size; i++)
        {
            SourceKey source = sources[i];
            string link = $"/source/{source.Type.ToString().ToLowerInvariant()}/{source.Id.ToString(CultureInfo.InvariantCulture)}";
            rows.Add(_server.Activity.TryGet(source, now, out SourceActivitySnapshot a)
                ? new SourceRow(source.ToString(), link, a.LastSeenUs, a.Frames, a.Registers, a.SequenceGaps, a.FramesPerSecond, a.RegistersPerSecond, a.RegisterHistory)
                : new SourceRow(source.ToString(), link, 0, 0, 0, 0, 0, 0, [])); // known from image.bin, silent since start
        }

        CollectorMetrics m = _server.Metrics;
        var totals = new ServerTotals(
            m.Connections, m.Frames, m.Registers, m.Bytes, m.Rejected, _server.Images.SequenceGaps, sources.Count, _server.ParquetRows,
            m.SourcesRefused + m.TimestampsRefused, m.TimeoutsClosed, _server.DiskFreeBytes, now, SourceActivity.BucketSeconds);
        return Results.Json(new OverviewResponse(totals, page, size, sources.Count, rows), WebJsonContext.Default.OverviewResponse);
    }

    private IResult Image(string type, int id)
    {
        if (!TryParseSource(type, id, out SourceKey source))
        {
            return Results.NotFound($"unknown source type {type}");
        }

        ushort[] values = new ushort[RackPacket.MaxRegisters];
        if (!RegisterEvents.Read(_server.Images, source, values))
        {
            return Results.NotFound($"no image for {source}");
        }

        // Little-endian 16-bit registers, offset 0 first: the register block of an image.bin entry (docs/formats.md).
        byte[] bytes = new byte[values.Length * sizeof(ushort)];
        for (int i = 0; i < values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), values[i]);
        }

        return Results.File(bytes, "application/octet-stream", $"{type.ToLowerInvariant()}-{id.ToString(CultureInfo.InvariantCulture)}-image.bin");
    }

    /// <summary>Parses <c>--http</c>'s <c>[ADDR:]PORT</c> (loopback when the address is left out; <c>[::1]:8080</c> for IPv6).</summary>
    public static bool TryParseEndPoint(string text, out IPEndPoint? endPoint, out string? error)
    {
        endPoint = null;
        error = null;
        string t = text.Trim();
        if (int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port <= IPEndPoint.MaxPort)
        {
            endPoint = new IPEndPoint(IPAddress.Loopback, port);
        }
        else if (t.Contains(':', StringComparison.Ordinal) && !t.EndsWith(']') && IPEndPoint.TryParse(t, out IPEndPoint? parsed)
            && (parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? t.Count(c => c == ':') == 1 : t.StartsWith('[')))
        {
            endPoint = parsed;
        }
        else
        {
            error = $"'{text}': expected [ADDR:]PORT, e.g. 8080, 127.0.0.1:0, 0.0.0.0:8080, [::1]:8080";
            return false;
        }

        return true;
    }

    /// <summary>Parses the <c>rack</c>/<c>sbmu</c>/<c>rtos</c>/<c>unknown</c> of a page's address.</summary>
    internal static bool TryParseSource(string type, int id, out SourceKey source)
    {
        source = default;
        if (!Enum.TryParse(type, ignoreCase: true, out SourceType kind) || !Enum.IsDefined(kind) || char.IsDigit(type[0]))
        {
            return false;
        }

        source = new SourceKey(kind, id);
        return true;
    }

    private static Dictionary<string, (byte[] Bytes, string ContentType)> LoadAssets()
    {
        Assembly assembly = typeof(WebView).Assembly;
        var assets = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith("assets/", StringComparison.Ordinal))
            {
                continue;
            }

            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            string name = resource["assets/".Length..];
            string type = Path.GetExtension(name) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            assets.Add(name, (copy.ToArray(), type));
        }

        return assets;
    }

    /// <summary>Hands the view's log categories to the collector's logger factory, which the view does not own.</summary>
    private sealed class CollectorLogging(ILoggerFactory factory) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => factory.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }

    /// <summary>No console lifetime: the signals belong to the collector, which disposes the view when it stops.</summary>
    private sealed class HostedByCollector : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _meters.Dispose();
    }
}
