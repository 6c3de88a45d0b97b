using System.Diagnostics;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>Starts the test helper (ParquetFlow.SensorStore.TestProcess) as a real child process.</summary>
internal static class ChildProcess
{
    public static string HelperDll
    {
        get
        {
            string here = Path.GetDirectoryName(typeof(ChildProcess).Assembly.Location)!;
            string path = Path.Combine(here.Replace("ParquetFlow.SensorStore.Tests", "ParquetFlow.SensorStore.TestProcess", StringComparison.Ordinal),
                "ParquetFlow.SensorStore.TestProcess.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("build the solution first", path);
        }
    }

    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(HelperDll);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }
        return Process.Start(info)!;
    }
}
