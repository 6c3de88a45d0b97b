using System.Diagnostics;
using System.Globalization;
using System.Net;
using ParquetFlow.SensorStore;

namespace ParquetFlow.Bench;

/// <summary>
/// <c>pqflow bench store --what upload</c>: records per second acknowledged (and verified by a subscriber) of one gateway
/// to Mosquitto over TLS with a password (MQTT 5), and of a fleet of gateways to a three-node NATS cluster (MQTT 3.1.1,
/// stream_replicas 3) without and with a node SIGKILLed mid-run and brought back. The brokers are the real ones, started
/// by the repository's scripts (scripts/mosquitto.sh, scripts/nats-cluster.sh), so the bench runs from a checkout.
/// </summary>
internal static class UploadBench
{
    public static async Task RunAsync(string directory, int gateways, List<string> failures, CancellationToken token)
    {
        string? scripts = FindScripts();
        if (scripts is null)
        {
            failures.Add("upload: scripts/mosquitto.sh and scripts/nats-cluster.sh not found above the current directory or this program (run it from a checkout, or set PQFLOW_REPO)");
            return;
        }

        Console.WriteLine($"upload: records acknowledged by the broker and each received once or more, in order, by a subscriber; {Environment.ProcessorCount} cores, brokers on loopback");
        Console.WriteLine("| run | records | acknowledged/s | elapsed | duplicates | failed publishes | connects |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- |");
        string mosquitto = Path.Combine(directory, "mosquitto");
        int port = int.Parse(Script(scripts, "mosquitto.sh", "start-tls", mosquitto).Trim(), CultureInfo.InvariantCulture);
        try
        {
            var broker = new DnsEndPoint("127.0.0.1", port);
            var one = new FleetOptions
            {
                Brokers = [broker],
                SubscriberBroker = broker,
                Directory = Path.Combine(directory, "one"),
                Gateways = 1,
                SensorsPerGateway = 8,
                RecordsPerSensor = 200_000,
                BatchRecords = 1024,
                Protocol = MqttProtocol.V500,
                CaFile = Path.Combine(mosquitto, "tls", "ca.pem"),
                Username = "gateway",
                Password = "secret",
            };
            Report("1 gateway, Mosquitto, MQTT 5, TLS + password", await UploadFleet.RunAsync(one, null, token).ConfigureAwait(false), failures);
        }
        finally
        {
            Script(scripts, "mosquitto.sh", "stop", mosquitto);
        }

        string cluster = Path.Combine(directory, "nats");
        DnsEndPoint[] nodes = [.. Script(scripts, "nats-cluster.sh", "start", cluster)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => new DnsEndPoint("127.0.0.1", int.Parse(p, CultureInfo.InvariantCulture)))];
        try
        {
            var fleet = new FleetOptions
            {
                Brokers = nodes,
                SubscriberBroker = nodes[2],
                Directory = Path.Combine(directory, "fleet"),
                Gateways = gateways,
                SensorsPerGateway = 4,
                RecordsPerSensor = 5_000,
                BatchRecords = 250,
            };
            Report($"{gateways} gateways, 3-node NATS cluster, MQTT 3.1.1", await UploadFleet.RunAsync(fleet, null, token).ConfigureAwait(false), failures);
            FleetResult killed = await UploadFleet.RunAsync(fleet with { Directory = Path.Combine(directory, "fleet-kill") }, (0.3, async t =>
            {
                Script(scripts, "nats-cluster.sh", "kill", cluster, "1");
                await Task.Delay(TimeSpan.FromSeconds(3), t).ConfigureAwait(false);
                Script(scripts, "nats-cluster.sh", "restart", cluster, "1");
            }), token).ConfigureAwait(false);
            Report($"{gateways} gateways, the same, node 1 killed at 30 % and restarted 3 s later", killed, failures);
        }
        finally
        {
            Script(scripts, "nats-cluster.sh", "stop", cluster);
        }
    }

    private static void Report(string run, FleetResult r, List<string> failures)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {run} | {r.Expected:N0} | {r.RecordsPerSecond:N0} | {r.Elapsed.TotalSeconds:F1} s | {r.Duplicates:N0} | {r.PublishFailures:N0} | {r.Connects:N0} |"));
        if (r.Failure is { } why)
        {
            failures.Add($"upload, {run}: {why}");
        }
    }

    /// <summary>The repository's scripts/ directory: $PQFLOW_REPO/scripts, or the first one found above the current directory or this program.</summary>
    private static string? FindScripts()
    {
        IEnumerable<string?> starts = [Environment.GetEnvironmentVariable("PQFLOW_REPO"), Environment.CurrentDirectory, AppContext.BaseDirectory];
        foreach (string? start in starts)
        {
            for (DirectoryInfo? d = start is null ? null : new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                string scripts = Path.Combine(d.FullName, "scripts");
                if (File.Exists(Path.Combine(scripts, "nats-cluster.sh")) && File.Exists(Path.Combine(scripts, "mosquitto.sh")))
                {
                    return scripts;
                }
            }
        }

        return null;
    }

    private static string Script(string scripts, string name, params string[] arguments)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(scripts, name));
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info) ?? throw new IOException($"cannot run {name}");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new IOException($"{name} {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr.Result.Trim()}");
        }

        return stdout;
    }
}
