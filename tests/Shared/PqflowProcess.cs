using System.Diagnostics;

namespace ParquetFlow.Tests.Shared;

/// <summary>Runs the built <c>pqflow</c> as a real process and collects what it printed.</summary>
internal static class PqflowProcess
{
    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] arguments) => Run(new Dictionary<string, string?>(), arguments);

    /// <summary><see cref="Run(string[])"/> with <paramref name="environment"/> set (a null value removes the variable) for pqflow alone.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        ProcessStartInfo info = BuiltPaths.Command(BuiltPaths.Built("src/pqflow", "pqflow.dll"), arguments);
        foreach ((string name, string? value) in environment)
        {
            info.Environment[name] = value;
        }

        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using Process process = Process.Start(info) ?? throw new InvalidOperationException("pqflow did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"pqflow {string.Join(' ', arguments)} ran for 2 minutes");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
