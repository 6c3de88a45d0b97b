using System.Diagnostics;
using ParquetFlow.Tests.Shared;

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
        ProcessStartInfo info = BuiltPaths.Command(HelperDll, args);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        return Process.Start(info)!;
    }
}
