using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Server;

namespace ParquetFlow.Web.Tests;

/// <summary>The web view's endpoints over a real collector in this process, fed over TCP.</summary>
public sealed class WebViewTests : IAsyncLifetime
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-web-").FullName;
    private readonly HttpClient _http = new() { Timeout = s_patience };
    private CollectorServer _server = null!;
    private WebView _view = null!;

    public async ValueTask InitializeAsync()
    {
        _server = CollectorServer.Start(new CollectorOptions { DataDirectory = _directory, Listeners = [new ListenerOptions(0, FramingKind.Packet)] });
        _view = await WebView.StartAsync(_server, new IPEndPoint(IPAddress.Loopback, 0));
        _http.BaseAddress = _view.Address;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _view.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Sends DIFF frames of (offset, value) pairs for RACK:<paramref name="source"/> and waits until the server accepted them.</summary>
    private async Task SendAsync(int source, params (ushort Offset, ushort Value)[][] frames)
    {
        long before = _server.Metrics.Frames;
        var output = new ArrayBufferWriter<byte>();
        int sequence = 0;
        foreach ((ushort Offset, ushort Value)[] registers in frames)
        {
            var packet = new RackPacket { SourceType = SourceType.Rack, SourceId = source, Command = PacketCommand.Diff, Sequence = sequence++ };
            packet.TimestampUs = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
            packet.SetCount(registers.Length);
            for (int i = 0; i < registers.Length; i++)
            {
                packet.Control[i] = registers[i].Offset;
                packet.Data[i] = registers[i].Value;
            }

            PacketFraming.Write(output, packet);
        }

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_server.EndPoints[0]);
        await tcp.GetStream().WriteAsync(output.WrittenMemory);
        using var deadline = new CancellationTokenSource(s_patience);
        while (_server.Metrics.Frames < before + frames.Length)
        {
            await Task.Delay(10, deadline.Token);
        }
    }

    [Fact]
    public async Task Healthz_and_metrics_answer_on_the_web_port()
    {
        await SendAsync(3, [(1, 2)]);
        Assert.Equal("ok\n", await _http.GetStringAsync("healthz"));
        // Another collector in the same process (its meter has the same name) must not show on this one's page.
        string otherDirectory = Directory.CreateTempSubdirectory("pqflow-web-other-").FullName;
        await using (CollectorServer other = CollectorServer.Start(new CollectorOptions { DataDirectory = otherDirectory, Listeners = [new ListenerOptions(0, FramingKind.Packet)] }))
        {
            using HttpResponseMessage response = await _http.GetAsync("metrics");
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            string metrics = await response.Content.ReadAsStringAsync();
            Assert.Contains("# TYPE pqflow_collector_frames_total counter\n", metrics, StringComparison.Ordinal);
            Assert.Contains("# TYPE pqflow_collector_connections gauge\n", metrics, StringComparison.Ordinal);
            Assert.Equal(["1"], Samples(metrics, "pqflow_collector_frames_total"));
            Assert.Equal(["1"], Samples(metrics, "pqflow_collector_sources"));
            Assert.Equal(["0"], Samples(metrics, "pqflow_collector_bad_frames_total"));
            await SendAsync(3, [(1, 3)], [(2, 4)]);
            Assert.Equal(["3"], Samples(await _http.GetStringAsync("metrics"), "pqflow_collector_frames_total")); // read at each scrape, not cached
        }

        Directory.Delete(otherDirectory, recursive: true);
    }

    /// <summary>The values of every sample of <paramref name="name"/> in Prometheus text, whatever its labels.</summary>
    private static string[] Samples(string text, string name) =>
        [.. text.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(l => l[(l.LastIndexOf(' ') + 1)..])];

    [Fact]
    public async Task Overview_lists_every_source_with_its_counts_in_pages()
    {
        for (int source = 1; source <= 5; source++)
        {
            await SendAsync(source, [(0, 1), (1, 2)], [(2, 3)]);
        }

        using JsonDocument first = JsonDocument.Parse(await _http.GetStringAsync("api/overview?page=0&size=2"));
        JsonElement root = first.RootElement;
        Assert.Equal(5, root.GetProperty("sourceCount").GetInt32());
        Assert.Equal(10, root.GetProperty("totals").GetProperty("frames").GetInt64());
        Assert.Equal(15, root.GetProperty("totals").GetProperty("registers").GetInt64());
        Assert.True(root.GetProperty("totals").GetProperty("diskFreeBytes").GetInt64() > 0);
        JsonElement[] rows = [.. root.GetProperty("sources").EnumerateArray()];
        Assert.Equal(["RACK:1", "RACK:2"], rows.Select(r => r.GetProperty("source").GetString()));
        Assert.Equal("/source/rack/1", rows[0].GetProperty("link").GetString());
        Assert.Equal(2, rows[0].GetProperty("frames").GetInt64());
        Assert.Equal(3, rows[0].GetProperty("registers").GetInt64());
        Assert.Equal(SourceActivity.Buckets, rows[0].GetProperty("registerHistory").GetArrayLength());

        using JsonDocument last = JsonDocument.Parse(await _http.GetStringAsync("api/overview?page=2&size=2"));
        Assert.Equal(["RACK:5"], last.RootElement.GetProperty("sources").EnumerateArray().Select(r => r.GetProperty("source").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("api/overview?size=100000")).StatusCode);
    }

    [Fact]
    public async Task Image_download_is_the_sources_registers_little_endian()
    {
        await SendAsync(7, [(0x1234, 0xBEEF), (0xFFFF, 42)]);
        byte[] image = await _http.GetByteArrayAsync("api/sources/rack/7/image.bin");
        Assert.Equal(65_536 * 2, image.Length);
        Assert.Equal(0xBEEF, BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(0x1234 * 2)));
        Assert.Equal(42, BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(0xFFFF * 2)));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(0)));
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("api/sources/rack/8/image.bin")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("api/sources/lamp/7/image.bin")).StatusCode);
    }

    [Fact]
    public async Task Register_events_start_with_a_snapshot_then_send_only_the_registers_that_changed()
    {
        await SendAsync(9, [(10, 100), (11, 110)]);
        using var deadline = new CancellationTokenSource(s_patience);
        using HttpResponseMessage response = await _http.GetAsync("api/sources/rack/9/events", HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(deadline.Token));
        (string name, string data) = await NextEventAsync(reader, deadline.Token);
        Assert.Equal("snapshot", name);
        byte[] snapshot = Convert.FromBase64String(data);
        Assert.Equal(100, BinaryPrimitives.ReadUInt16LittleEndian(snapshot.AsSpan(20)));
        Assert.Equal(110, BinaryPrimitives.ReadUInt16LittleEndian(snapshot.AsSpan(22)));

        await SendAsync(9, [(11, 110), (12, 120), (500, 5)]); // 11 unchanged
        (name, data) = await NextEventAsync(reader, deadline.Token);
        Assert.Equal("changes", name);
        Assert.Equal([12, 120, 500, 5], JsonSerializer.Deserialize<int[]>(data)!);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("api/sources/rack/10/events", deadline.Token)).StatusCode);
    }

    /// <summary>The next named event of a server-sent event stream (comment lines skipped).</summary>
    private static async Task<(string Name, string Data)> NextEventAsync(StreamReader reader, CancellationToken token)
    {
        string? name = null;
        string? data = null;
        while (await reader.ReadLineAsync(token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line["data: ".Length..];
            }
            else if (line.Length == 0 && name is not null)
            {
                return (name, data ?? "");
            }
        }

        throw new EndOfStreamException("the event stream ended");
    }

    [Theory]
    [InlineData("8080", "127.0.0.1:8080")]
    [InlineData("127.0.0.1:0", "127.0.0.1:0")]
    [InlineData("0.0.0.0:9090", "0.0.0.0:9090")]
    [InlineData("[::1]:8080", "[::1]:8080")]
    public void Http_end_points_parse_with_loopback_by_default(string text, string expected)
    {
        Assert.True(WebView.TryParseEndPoint(text, out IPEndPoint? endPoint, out string? error), error);
        Assert.Equal(expected, endPoint!.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("70000")]
    [InlineData("localhost:80")]
    [InlineData("::1")]
    [InlineData("1.2.3.4")]
    public void Bad_http_end_points_are_refused_with_a_reason(string text)
    {
        Assert.False(WebView.TryParseEndPoint(text, out _, out string? error));
        Assert.Contains("expected [ADDR:]PORT", error, StringComparison.Ordinal);
    }
}
