using System.Buffers;
using System.Net.Sockets;
using System.Text.Json;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Server;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Cli.Tests;

/// <summary>The <c>--json</c> documents of the commands that print state: one JSON value on stdout, the documented fields.</summary>
public sealed class JsonOutputTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-json-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Inspect_describes_schema_row_groups_chunks_and_pages()
    {
        string path = Path.Combine(_directory, "orders.parquet");
        Assert.Equal(0, PqflowProcess.Run("demo", "--file", "--rows", "45000", "--output", path).ExitCode);

        (int exit, string stdout, string stderr) = PqflowProcess.Run("inspect", "--json", "--pages", path);
        Assert.True(exit == 0, stderr);
        using JsonDocument document = JsonDocument.Parse(stdout);
        JsonElement root = document.RootElement;
        Assert.Equal(Path.GetFullPath(path), root.GetProperty("file").GetString());
        Assert.Equal(new FileInfo(path).Length, root.GetProperty("size").GetInt64());
        Assert.Equal(45000, root.GetProperty("rows").GetInt64());
        Assert.Equal("market data, log-sink document schema", root.GetProperty("key_value_metadata").GetProperty("parquetflow.demo").GetString());
        string[] columns = [.. root.GetProperty("schema").EnumerateArray().Select(n => n.GetProperty("path").GetString()!)];
        Assert.Equal(["timestamp_ns", "symbol", "order_id", "side", "price", "quantity", "order_type", "exchange"], columns);
        JsonElement timestamp = root.GetProperty("schema")[0];
        Assert.Equal("INT64", timestamp.GetProperty("physical").GetString());
        Assert.Equal("TIMESTAMP(NANOS, UTC)", timestamp.GetProperty("logical").GetString());
        Assert.Equal("required", timestamp.GetProperty("repetition").GetString());

        JsonElement[] groups = [.. root.GetProperty("row_groups").EnumerateArray()];
        Assert.Equal(45000, groups.Sum(g => g.GetProperty("rows").GetInt64()));
        JsonElement symbol = groups[0].GetProperty("columns")[1];
        Assert.Equal("symbol", symbol.GetProperty("column").GetString());
        Assert.Equal("ZSTD", symbol.GetProperty("codec").GetString());
        Assert.Contains("RLE_DICTIONARY", symbol.GetProperty("encodings").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(0, symbol.GetProperty("null_count").GetInt64());
        Assert.True(symbol.GetProperty("column_index").GetBoolean());
        JsonElement[] pages = [.. symbol.GetProperty("pages").EnumerateArray()];
        Assert.Equal("dictionary", pages[0].GetProperty("type").GetString());
        Assert.All(pages.Skip(1), p => Assert.Equal("data_v1", p.GetProperty("type").GetString()));
        Assert.All(pages, p => Assert.Equal("ok", p.GetProperty("crc").GetString()));
        Assert.Equal(groups[0].GetProperty("rows").GetInt64(), pages.Skip(1).Sum(p => p.GetProperty("values").GetInt64()));
        Assert.Equal(0, root.GetProperty("damaged_pages").GetInt32());
    }

    [Fact]
    public void Shm_stats_gives_the_header_producer_schema_and_consumers()
    {
        Assert.Equal(0, PqflowProcess.Run("shm", "create", "ticks", "--rows", "64", "-c", "ts:timestamp_ns", "-c", "px:f64", "--segment-dir", _directory).ExitCode);
        (int exit, string stdout, string stderr) = PqflowProcess.Run("shm", "stats", "ticks", "--json", "--segment-dir", _directory);
        Assert.True(exit == 0, stderr);
        using JsonDocument document = JsonDocument.Parse(stdout);
        JsonElement root = document.RootElement;
        Assert.Equal("ticks", root.GetProperty("name").GetString());
        Assert.Equal(64, root.GetProperty("capacity").GetInt64());
        Assert.Equal(24, root.GetProperty("row_size").GetInt32()); // 8-byte sequence + 8 + 8
        Assert.False(root.GetProperty("locked").GetBoolean());
        Assert.Equal(0, root.GetProperty("head").GetInt64());
        Assert.Equal(JsonValueKind.Object, root.GetProperty("producer").ValueKind);
        Assert.Equal(JsonValueKind.Object, root.GetProperty("schema").ValueKind); // the stored schema as JSON, not a string
        Assert.Equal(0, root.GetProperty("consumers").GetArrayLength());
    }

    [Fact]
    public async Task Query_gives_the_register_values_of_a_running_collector()
    {
        await using CollectorServer server = CollectorServer.Start(new CollectorOptions { DataDirectory = _directory, Listeners = [new ListenerOptions(0, FramingKind.Packet)] });
        var packet = new RackPacket { SourceType = SourceType.Rack, SourceId = 9, Command = PacketCommand.Diff, TimestampUs = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10 };
        packet.SetCount(2);
        packet.Control[0] = 0x1000;
        packet.Data[0] = 42;
        packet.Control[1] = 0x1001;
        packet.Data[1] = 7;
        var frame = new ArrayBufferWriter<byte>();
        PacketFraming.Write(frame, packet);
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(server.EndPoints[0]);
            await tcp.GetStream().WriteAsync(frame.WrittenMemory);
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (server.Metrics.Frames < 1)
            {
                await Task.Delay(10, patience.Token);
            }
        }

        string port = server.EndPoints[0].Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        (int exit, string stdout, string stderr) = PqflowProcess.Run("query", "--json", "--port", port, "--source-id", "9", "0x1000-0x1002");
        Assert.True(exit == 0, stderr);
        using JsonDocument document = JsonDocument.Parse(stdout);
        JsonElement root = document.RootElement;
        Assert.Equal("rack", root.GetProperty("source_type").GetString());
        Assert.Equal(9, root.GetProperty("source_id").GetInt32());
        Assert.True(root.GetProperty("known").GetBoolean());
        (int Offset, int Value)[] registers = [.. root.GetProperty("registers").EnumerateArray().Select(r => (r.GetProperty("offset").GetInt32(), r.GetProperty("value").GetInt32()))];
        Assert.Equal([(0x1000, 42), (0x1001, 7), (0x1002, 0)], registers);

        (exit, stdout, stderr) = PqflowProcess.Run("query", "--port", port, "--source-id", "9", "0x1000-0x1001");
        Assert.True(exit == 0, stderr);
        Assert.Matches(@"(?m)^offset\s+hex\s+value\s+value hex$", stdout);
        Assert.Matches(@"(?m)^\s*4096\s+0x1000\s+42\s+0x002A$", stdout);
        Assert.Matches(@"(?m)^\s*4097\s+0x1001\s+7\s+0x0007$", stdout);

        (exit, stdout, _) = PqflowProcess.Run("query", "--json", "--port", port, "--source-id", "200", "1");
        Assert.Equal(1, exit); // no image of RACK-200: said in the document and by the exit code
        using JsonDocument unknown = JsonDocument.Parse(stdout);
        Assert.False(unknown.RootElement.GetProperty("known").GetBoolean());
    }

    [Fact]
    public void Store_stats_describes_every_sensor_in_json_and_lists_them_in_a_table_on_request()
    {
        string store = Path.Combine(_directory, "store");
        (int exit, string stdout, string stderr) = PqflowProcess.Run("store", "simulate", "--dir", store, "--sensors", "25", "--records", "300", "--event-share", "0.4");
        Assert.True(exit == 0, stderr);

        (exit, stdout, stderr) = PqflowProcess.Run("store", "stats", "--json", "--dir", store);
        Assert.True(exit == 0, stderr);
        using JsonDocument document = JsonDocument.Parse(stdout);
        JsonElement root = document.RootElement;
        Assert.Equal("linux", root.GetProperty("profile").GetString());
        Assert.Equal(25, root.GetProperty("sensors_count").GetInt32());
        Assert.True(root.GetProperty("disk").GetProperty("healthy").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("not_stored").ValueKind);
        Assert.Equal(25, root.GetProperty("recovery").GetProperty("sensors").GetInt32());
        JsonElement[] sensors = [.. root.GetProperty("sensors").EnumerateArray()];
        Assert.Equal(25, sensors.Length);
        Assert.All(sensors, s => Assert.Equal(300, s.GetProperty("records").GetInt64()));
        Assert.All(sensors, s => Assert.Equal(0UL, s.GetProperty("dropped").GetProperty("recycled").GetUInt64()));
        Assert.Equal(25 * 300, root.GetProperty("records_retained").GetInt64());
        Assert.Equal(["application", "can", "host"], sensors.Select(s => s.GetProperty("source").GetString()).Distinct().Order());
        Assert.Contains(sensors, s => s.GetProperty("type").GetString() == "event");
        Assert.Contains(sensors, s => s.GetProperty("type").GetString() == "time_series");

        // 25 sensors are more than the report lists by default; --all lists them in one table, --id one of them.
        (exit, stdout, _) = PqflowProcess.Run("store", "stats", "--dir", store);
        Assert.Equal(0, exit);
        Assert.Contains("25 sensors: --all lists them", stdout, StringComparison.Ordinal);
        (exit, stdout, _) = PqflowProcess.Run("store", "stats", "--all", "--dir", store);
        Assert.Equal(0, exit);
        Assert.Matches(@"(?m)^\s+sensor\s+type\s+records\s+pending\s+unsent", stdout);
        Assert.Equal(25, System.Text.RegularExpressions.Regex.Matches(stdout, @"(?m)^\s+(host|application|can)/\d+\s+(Event|TimeSeries)\s+300\s").Count);
        (exit, stdout, _) = PqflowProcess.Run("store", "stats", "--dir", store, "--source", "can", "--id", "2");
        Assert.Equal(0, exit);
        Assert.Matches(@"(?m)^\s+can/2\s+(Event|TimeSeries)\s+300\s", stdout);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(stdout, @"(?m)^\s+(host|application|can)/\d+\s"));
    }
}
