// Starting another pqflow process from this one, whether this one runs as `dotnet pqflow.dll` or as a published
// executable (single file or NativeAOT, where there is no assembly file to name).
using System.Diagnostics;
using System.Reflection;

namespace ParquetFlow.Cli;

/// <summary>Builds the <see cref="ProcessStartInfo"/> that runs this same pqflow with other arguments.</summary>
public static class SelfProcess
{
    /// <summary>A start info for <c>pqflow <paramref name="arguments"/></c>, output and error redirected, no shell.</summary>
    public static ProcessStartInfo StartInfo(params ReadOnlySpan<string> arguments)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable this is");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            // Run by the host: the application is the assembly beside it (AppContext.BaseDirectory, not
            // Assembly.Location, which a single-file or NativeAOT build leaves empty).
            // The entry assembly, not this library's: the program that runs is pqflow (or a tool built on this library).
            string name = Assembly.GetEntryAssembly()?.GetName().Name ?? throw new InvalidOperationException("cannot tell which program this is");
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, name + ".dll"));
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
