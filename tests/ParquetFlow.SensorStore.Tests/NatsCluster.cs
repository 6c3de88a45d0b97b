using System.Diagnostics;
using System.Globalization;
using System.Net;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>A private three-node NATS cluster (JetStream, MQTT listeners, stream_replicas 3) run through scripts/nats-cluster.sh.</summary>
internal sealed class NatsCluster : IDisposable
{
    private readonly TempDirectory _dir = new();
    private bool _running;

    private NatsCluster()
    {
    }

    /// <summary>The three nodes' MQTT listeners, node 1 first.</summary>
    public IReadOnlyList<DnsEndPoint> Mqtt { get; private set; } = [];

    public static NatsCluster Start()
    {
        var cluster = new NatsCluster();
        try
        {
            string ports = Script("start", cluster._dir.Path);
            cluster._running = true;
            cluster.Mqtt = [.. ports.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => new DnsEndPoint("127.0.0.1", int.Parse(p, CultureInfo.InvariantCulture)))];
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>SIGKILLs node <paramref name="node"/> (1..3).</summary>
    public void Kill(int node) => Script("kill", _dir.Path, node.ToString(CultureInfo.InvariantCulture));

    /// <summary>Starts node <paramref name="node"/> again on its ports and data; returns once it is healthy.</summary>
    public void Restart(int node) => Script("restart", _dir.Path, node.ToString(CultureInfo.InvariantCulture));

    private static string Script(string command, string dir, string node = "")
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(BuiltPaths.RepositoryRoot, "scripts", "nats-cluster.sh"));
        info.ArgumentList.Add(command);
        info.ArgumentList.Add(dir);
        if (node.Length > 0)
        {
            info.ArgumentList.Add(node);
        }

        using Process p = Process.Start(info)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"nats-cluster.sh {command} failed ({p.ExitCode}): {stderr.Result}");
        }

        return stdout;
    }

    public void Dispose()
    {
        if (_running)
        {
            Script("stop", _dir.Path);
            _running = false;
        }

        _dir.Dispose();
    }
}
