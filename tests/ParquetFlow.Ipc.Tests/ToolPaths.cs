// Finds the built helper process and pqflow next to this test assembly's configuration, and runs them.
using System.Diagnostics;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Ipc.Tests;

internal static class ToolPaths
{
    public static string RepositoryRoot => BuiltPaths.RepositoryRoot;

    public static string TestProcessDll => Built("tests/ParquetFlow.Ipc.TestProcess", "ParquetFlow.Ipc.TestProcess.dll");

    public static string PqflowDll => Built("src/pqflow", "pqflow.dll");

    public static string PythonPackage => Path.Combine(RepositoryRoot, "python");

    /// <summary>Starts the built program <paramref name="dll"/> (<c>dotnet DLL ARGS</c>, see <see cref="BuiltPaths.Command"/>) with stdin, stdout and stderr redirected.</summary>
    public static Process StartDotnet(string dll, params string[] args) => Start(BuiltPaths.Command(dll, args));

    /// <summary>Runs a process to completion; returns exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string fileName, IEnumerable<string> args, string? stdin = null) =>
        Run(Info(fileName, args), stdin);

    /// <summary>Runs pqflow to completion with <paramref name="stdin"/> as its input.</summary>
    public static (int ExitCode, string Stdout, string Stderr) PqflowWithInput(string? stdin, IEnumerable<string> args) =>
        Run(BuiltPaths.Command(PqflowDll, args), stdin);

    public static (int ExitCode, string Stdout, string Stderr) Pqflow(params string[] args) => PqflowWithInput(null, args);

    /// <summary>Starts a process with stdin, stdout and stderr redirected.</summary>
    public static Process Start(string fileName, IEnumerable<string> args) => Start(Info(fileName, args));

    private static (int ExitCode, string Stdout, string Stderr) Run(ProcessStartInfo info, string? stdin)
    {
        using Process process = Start(info);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{info.FileName} {string.Join(' ', info.ArgumentList)} did not finish in 2 minutes");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static ProcessStartInfo Info(string fileName, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(fileName) { UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    private static Process Start(ProcessStartInfo info)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
    }

    private static string Built(string project, string dll) => BuiltPaths.Built(project, dll);
}
