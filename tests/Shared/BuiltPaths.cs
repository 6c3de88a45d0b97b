// Linked into the test projects that run built programs as real processes: where the repository and its build outputs are.
using System.Diagnostics;

namespace ParquetFlow.Tests.Shared;

internal static class BuiltPaths
{
    /// <summary>
    /// Set by the arm64 leg (scripts/test-arm64.sh) to the runtime identifier the programs were published for
    /// (<c>linux-arm64</c>): no <c>dotnet</c> host runs there, so the programs a test starts are the self-contained
    /// executables in each project's <c>bin/CONFIG/net10.0/RID/publish/</c>, never the build's dlls.
    /// </summary>
    public const string RuntimeVariable = "PQFLOW_TEST_RID";

    /// <summary>
    /// Set by the arm64 leg to directories (separated by <c>:</c>) holding programs already built for the target, such as the
    /// NativeAOT <c>pqflow</c> of <c>scripts/build.sh arm64</c>: a test starts those instead of a published copy.
    /// </summary>
    public const string ProgramsVariable = "PQFLOW_TEST_PROGRAMS";

    private static readonly string? s_runtime = Environment.GetEnvironmentVariable(RuntimeVariable) is { Length: > 0 } rid ? rid : null;

    /// <summary>The build configuration of the running test assembly, which the programs it starts were built in too.</summary>
    public static string Configuration { get; } = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";

    /// <summary>The directory holding ParquetFlow.slnx, found upwards from the test assembly.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>
    /// The built <paramref name="dll"/> of the project in <paramref name="projectDirectory"/> (relative to the repository),
    /// or its published copy when <see cref="RuntimeVariable"/> is set.
    /// </summary>
    public static string Built(string projectDirectory, string dll)
    {
        if (s_runtime is not null && Prebuilt(Path.GetFileNameWithoutExtension(dll)) is { } executable)
        {
            return executable;
        }

        string output = Path.Combine(RepositoryRoot, projectDirectory, "bin", Configuration, "net10.0");
        string path = s_runtime is null ? Path.Combine(output, dll) : Path.Combine(output, s_runtime, "publish", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built (build the solution first)");
    }

    /// <summary>
    /// How to run a program found by <see cref="Built"/>: <c>dotnet DLL ARGS</c>, or, when <see cref="RuntimeVariable"/> is
    /// set, the published executable beside the dll (so an arm64 test starts arm64 children, never the host's x64 ones).
    /// </summary>
    public static ProcessStartInfo Command(string dll, IEnumerable<string> arguments)
    {
        ProcessStartInfo info;
        if (s_runtime is null)
        {
            info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet");
            info.ArgumentList.Add(dll);
        }
        else
        {
            string executable = dll.EndsWith(".dll", StringComparison.Ordinal) ? Path.ChangeExtension(dll, null) : dll;
            info = new ProcessStartInfo(File.Exists(executable) ? executable : throw new FileNotFoundException($"{executable} is not published", executable));
        }

        info.UseShellExecute = false;
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    /// <summary>
    /// The program <paramref name="name"/> in one of the directories of <see cref="ProgramsVariable"/>, which the arm64 leg
    /// sets to the NativeAOT builds it did not publish again.
    /// </summary>
    private static string? Prebuilt(string name)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable(ProgramsVariable) ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    private static string FindRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "ParquetFlow.slnx")))
        {
            directory = Path.GetDirectoryName(directory.TrimEnd('/'));
        }

        return directory ?? throw new InvalidOperationException("the repository root (ParquetFlow.slnx) is not above " + AppContext.BaseDirectory);
    }
}
