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

    /// <summary>Starts <c>dotnet DLL ARGS</c> with stdin, stdout and stderr redirected.</summary>
    public static Process StartDotnet(string dll, params string[] args) => Start("dotnet", [dll, .. args]);

    /// <summary>Runs a process to completion; returns exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string fileName, IEnumerable<string> args, string? stdin = null)
    {
        using Process process = Start(fileName, args);
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
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish in 2 minutes");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public static (int ExitCode, string Stdout, string Stderr) Pqflow(params string[] args) => Run("dotnet", [PqflowDll, .. args]);

    /// <summary>Starts a process with stdin, stdout and stderr redirected.</summary>
    public static Process Start(string fileName, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
    }

    private static string Built(string project, string dll) => BuiltPaths.Built(project, dll);
}
