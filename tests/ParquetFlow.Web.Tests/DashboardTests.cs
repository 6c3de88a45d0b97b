using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Server;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Web.Tests;

/// <summary>The Grafana dashboard in <c>dashboards/</c> against what a live collector's <c>/metrics</c> really serves.</summary>
public sealed partial class DashboardTests
{
    private static readonly string s_dashboard = Path.Combine(BuiltPaths.RepositoryRoot, "dashboards", "grafana-collector.json");

    [Fact]
    public async Task Every_metric_the_dashboard_queries_is_served_and_every_served_counter_is_on_it()
    {
        string directory = Directory.CreateTempSubdirectory("pqflow-dashboard-").FullName;
        try
        {
            await using CollectorServer server = CollectorServer.Start(new CollectorOptions { DataDirectory = directory, Listeners = [new ListenerOptions(0, FramingKind.Packet)] });
            await using WebView view = await WebView.StartAsync(server, new IPEndPoint(IPAddress.Loopback, 0));
            using var http = new HttpClient { BaseAddress = view.Address, Timeout = TimeSpan.FromSeconds(30) };
            string metrics = await http.GetStringAsync("metrics");
            var served = new HashSet<string>(
                metrics.Split('\n').Where(l => l.StartsWith("pqflow_", StringComparison.Ordinal)).Select(l => MetricName().Match(l).Value),
                StringComparer.Ordinal);

            using JsonDocument dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(s_dashboard));
            JsonElement root = dashboard.RootElement;
            Assert.Equal("pqflow-collector", root.GetProperty("uid").GetString());
            var queried = new HashSet<string>(StringComparer.Ordinal);
            var ids = new HashSet<int>();
            foreach (JsonElement panel in root.GetProperty("panels").EnumerateArray())
            {
                Assert.True(ids.Add(panel.GetProperty("id").GetInt32()), "panel ids are unique");
                JsonElement grid = panel.GetProperty("gridPos");
                Assert.InRange(grid.GetProperty("x").GetInt32() + grid.GetProperty("w").GetInt32(), 1, 24);
                if (!panel.TryGetProperty("targets", out JsonElement targets))
                {
                    continue;
                }

                foreach (JsonElement target in targets.EnumerateArray())
                {
                    string expr = target.GetProperty("expr").GetString()!;
                    MatchCollection names = MetricName().Matches(expr);
                    Assert.NotEmpty(names);
                    foreach (Match name in names)
                    {
                        queried.Add(name.Value);
                    }
                }
            }

            Assert.Empty(queried.Except(served)); // a renamed metric would leave a panel empty
            string[] countersLeftOut = ["pqflow_collector_connections_total", "pqflow_collector_queries_total", "pqflow_collector_retention_deleted_files_total"];
            Assert.Empty(served.Where(n => n.EndsWith("_total", StringComparison.Ordinal)).Except(queried).Except(countersLeftOut));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [GeneratedRegex("pqflow_[a-z_]+")]
    private static partial Regex MetricName();
}
