using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ParquetFlow.Cli;

namespace ParquetFlow.Bench;

/// <summary>A <c>pqflow serve</c> child process on free loopback ports, for benchmarks: started, observed through /proc and its metrics, stopped with SIGTERM.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly int _metricsPort;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _errors = [];
    private string _stopped = "";
    private long _peakKbToExit;

    private ServerProcess(Process process, int port, int metricsPort)
    {
        _process = process;
        Port = port;
        _metricsPort = metricsPort;
    }

    /// <summary>The collector's listening port.</summary>
    public int Port { get; }

    /// <summary>Starts <c>pqflow serve --data <paramref name="directory"/></c> (with <paramref name="options"/>) and returns once it listens.</summary>
    public static async Task<ServerProcess> StartAsync(string directory, CancellationToken token, params string[] options)
    {
        int port = FreePort();
        int metricsPort = FreePort();
        ProcessStartInfo start = SelfProcess.StartInfo(
            ["serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--data", directory, "--status-seconds", "3600",
            "--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture), .. options]);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start pqflow serve");
        var server = new ServerProcess(process, port, metricsPort);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            if (e.Data.StartsWith("metrics at", StringComparison.Ordinal))
            {
                server._listening.TrySetResult();
            }
            else if (e.Data.StartsWith("stopped:", StringComparison.Ordinal))
            {
                server._stopped = e.Data;
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (server._errors)
                {
                    server._errors.Add(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Task exited = process.WaitForExitAsync(token);
        if (await Task.WhenAny(server._listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(30), token)) != server._listening.Task)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"pqflow serve did not start: {string.Join(" / ", server._errors)}");
        }

        return server;
    }

    /// <summary>CPU time the server has used and its peak resident memory in KiB.</summary>
    public (TimeSpan Cpu, long PeakKb) Usage()
    {
        string[] stat = File.ReadAllText($"/proc/{_process.Id}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // Fields 14 and 15 (utime, stime) in clock ticks of 1/100 s; after ")" they are the 12th and 13th.
        long ticks = long.Parse(stat[11], CultureInfo.InvariantCulture) + long.Parse(stat[12], CultureInfo.InvariantCulture);
        return (TimeSpan.FromSeconds(ticks / 100.0), StatusKb("VmHWM:"));
    }

    /// <summary>The server's resident memory now, in KiB.</summary>
    public long ResidentKb() => StatusKb("VmRSS:");

    /// <summary>Connections the server reports open (its <c>pqflow_collector_connections</c> gauge).</summary>
    public async Task<long> OpenConnectionsAsync(CancellationToken token)
    {
        using var http = new HttpClient();
        string text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{_metricsPort}/metrics"), token);
        foreach (string line in text.Split('\n'))
        {
            // A sample is `name value` or `name{labels} value` (the exporter adds its scope as labels).
            if (line.StartsWith("pqflow_collector_connections ", StringComparison.Ordinal) || line.StartsWith("pqflow_collector_connections{", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(line.LastIndexOf(' ') + 1), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidDataException("the server's metrics have no connections gauge");
    }

    /// <summary>
    /// The server's peak resident memory in KiB over its whole life, shutdown included (finishing every partition's
    /// file, the last image save): the last <c>VmHWM</c> read while <see cref="StopAsync"/> waited for the exit, every
    /// 20 ms (the peak of the final 20 ms may be missed).
    /// </summary>
    public long PeakKbToExit => _peakKbToExit;

    /// <summary>Sends SIGTERM, waits for a clean exit and returns the server's final status line.</summary>
    public async Task<string> StopAsync(CancellationToken token)
    {
        _peakKbToExit = StatusKb("VmHWM:");
        using (Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(token);
        }

        try
        {
            Task exited = _process.WaitForExitAsync(token).WaitAsync(TimeSpan.FromMinutes(2), token);
            while (!exited.IsCompleted)
            {
                try
                {
                    _peakKbToExit = Math.Max(_peakKbToExit, StatusKb("VmHWM:"));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
                {
                    // Gone between the check and the read.
                }

                await Task.WhenAny(exited, Task.Delay(20, token));
            }

            await exited;
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("pqflow serve did not exit within 2 minutes of SIGTERM; killed it");
        }

        if (_process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pqflow serve exited with {_process.ExitCode}: {string.Join(" / ", _errors)}");
        }

        return _stopped;
    }

    private long StatusKb(string field)
    {
        foreach (string line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(field.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
