using System.Diagnostics;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>A private Mosquitto on a free loopback port, run through the project's scripts/mosquitto.sh.</summary>
internal sealed class MosquittoBroker : IDisposable
{
    private readonly TempDirectory _dir = new();

    public int Port { get; private set; }

    public bool Running { get; private set; }

    public static string RepositoryRoot => BuiltPaths.RepositoryRoot;


    /// <summary>Starts the broker (on the same port as before when restarted).</summary>
    public void Start()
    {
        string output = Script("start", _dir.Path, Port == 0 ? "" : Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Port = int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Running = true;
    }

    /// <summary>Stops the broker gracefully (its persistence file keeps queued messages).</summary>
    public void Stop()
    {
        Script("stop", _dir.Path, "");
        Running = false;
    }

    private static string Script(string command, string dir, string port)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(RepositoryRoot, "scripts", "mosquitto.sh"));
        info.ArgumentList.Add(command);
        info.ArgumentList.Add(dir);
        if (port.Length > 0)
        {
            info.ArgumentList.Add(port);
        }
        using Process p = Process.Start(info)!;
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"mosquitto.sh {command} failed ({p.ExitCode}): {stderr}");
        }
        return stdout;
    }

    public void Dispose()
    {
        if (Running)
        {
            Stop();
        }
        _dir.Dispose();
    }
}
