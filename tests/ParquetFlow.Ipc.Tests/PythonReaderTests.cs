using System.Diagnostics;
using System.Text.Json;

namespace ParquetFlow.Ipc.Tests;

/// <summary>A C# producer process and the Python package (python/pqflow) as the consumer process, over a real segment.</summary>
public sealed class PythonReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ITestOutputHelper _output;

    public PythonReaderTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _dir.Dispose();

    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    private static string Script => Path.Combine(ToolPaths.PythonPackage, "tests", "ring_check.py");

    [Fact]
    public void Python_reads_header_schema_and_the_last_rows_of_a_csharp_producer()
    {
        using Process producer = ToolPaths.StartDotnet(ToolPaths.TestProcessDll, "shared-producer", "pylast", _dir.Path, "256", "1000");
        try
        {
            Assert.Equal("head 1000", producer.StandardOutput.ReadLine());
            (int code, string stdout, string stderr) = ToolPaths.Run(Python, [Script, "last", "pylast", _dir.Path, "100"]);
            Assert.True(code == 0, stderr);
            _output.WriteLine(stdout);
            using var json = JsonDocument.Parse(stdout);
            JsonElement root = json.RootElement;
            Assert.Equal(256, root.GetProperty("header").GetProperty("capacity").GetInt32());
            Assert.Equal(48, root.GetProperty("header").GetProperty("row_size").GetInt32());
            Assert.Equal(1000, root.GetProperty("header").GetProperty("head").GetInt32());
            Assert.Equal(producer.Id, root.GetProperty("header").GetProperty("producer_pid").GetInt32());
            Assert.Contains(root.GetProperty("status").GetString(), new[] { "live", "stalled" }); // stalled: heartbeat late on a loaded machine
            Assert.Equal(["ts", "seq", "value", "level", "ratio", "code", "flag", "small"], root.GetProperty("columns").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(100, root.GetProperty("rows").GetInt32());
            Assert.Equal(900, root.GetProperty("first").GetInt32());
            Assert.Equal(0, root.GetProperty("bad").GetInt32());
            Assert.Equal("2023-11-14T22:13:20.000900000", root.GetProperty("timestamp0").GetString());
        }
        finally
        {
            producer.StandardInput.WriteLine("exit");
            producer.WaitForExit();
        }

        (int _, string after, string _) = ToolPaths.Run(Python, [Script, "last", "pylast", _dir.Path, "1"]);
        Assert.Contains("\"status\": \"closed\"", after, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1 << 16)]
    [InlineData(64)]
    public void Python_followers_never_accept_a_torn_row_and_count_what_they_lost(int capacity)
    {
        const int Total = 400_000;
        string total = Total.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using Process producer = ToolPaths.StartDotnet(ToolPaths.TestProcessDll, "shared-producer", "pyfollow", _dir.Path, capacity.ToString(System.Globalization.CultureInfo.InvariantCulture), "0");
        Assert.Equal("head 0", producer.StandardOutput.ReadLine());
        var followers = new List<Process>();
        try
        {
            for (int i = 0; i < 2; i++)
            {
                followers.Add(ToolPaths.Start(Python, [Script, "follow", "pyfollow", _dir.Path, total]));
            }

            foreach (Process python in followers)
            {
                Assert.Equal("ready", python.StandardOutput.ReadLine());
            }

            producer.StandardInput.WriteLine($"write {Total}");
            Assert.Equal($"head {Total}", producer.StandardOutput.ReadLine());
            foreach (Process python in followers)
            {
                string? result = python.StandardOutput.ReadLine();
                if (result is null)
                {
                    Assert.Fail(python.StandardError.ReadToEnd());
                }

                _output.WriteLine($"capacity {capacity}: {result}");
                using var json = JsonDocument.Parse(result);
                JsonElement r = json.RootElement;
                Assert.Equal(0, r.GetProperty("errors").GetInt32());
                Assert.Equal(Total, r.GetProperty("cursor").GetInt32());
                Assert.Equal(Total, r.GetProperty("rows").GetInt32() + r.GetProperty("lost").GetInt32() + r.GetProperty("discarded").GetInt32());
                Assert.True(r.GetProperty("rows").GetInt32() > 0);
            }
        }
        finally
        {
            producer.StandardInput.WriteLine("exit");
            producer.WaitForExit();
            foreach (Process python in followers)
            {
                if (!python.HasExited)
                {
                    python.Kill();
                }

                python.Dispose();
            }
        }
    }

    [Fact]
    public void Python_reads_a_mapped_ring_and_reports_a_torn_slot()
    {
        string path = _dir.File("py.ring");
        using (MappedRing ring = MappedRing.Create(path, new MappedRingOptions { SlotCount = 4, SlotSize = 32 }))
        {
            ring.TryWrite("one"u8);
            ring.TryWrite("two"u8);
            ring.TryWrite("three"u8);
            ring.Read(new byte[32], out _);
        }

        byte[] file = File.ReadAllBytes(path);
        file[64 + (2 * 48) + 16] ^= 1; // tear write #3
        File.WriteAllBytes(path, file);

        string mappedScript = Path.Combine(ToolPaths.PythonPackage, "tests", "mapped_check.py");
        (int code, string stdout, string stderr) = ToolPaths.Run(Python, [mappedScript, path]);
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        JsonElement root = json.RootElement;
        Assert.Equal(3, root.GetProperty("header").GetProperty("write_seq").GetInt32());
        Assert.Equal(1, root.GetProperty("header").GetProperty("read_seq").GetInt32());
        JsonElement[] unread = [.. root.GetProperty("unread").EnumerateArray()];
        Assert.Equal([2, 3], unread.Select(u => u.GetProperty("seq").GetInt32()));
        Assert.Equal(Convert.ToHexStringLower("two"u8), unread[0].GetProperty("data").GetString());
        Assert.Equal(JsonValueKind.Null, unread[1].GetProperty("data").ValueKind);

        File.WriteAllText(path, new string('x', 100));
        (_, stdout, _) = ToolPaths.Run(Python, [mappedScript, path]);
        Assert.Contains("magic", stdout, StringComparison.Ordinal);
    }
}
