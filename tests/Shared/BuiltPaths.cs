// Linked into the test projects that run built programs as real processes: where the repository and its build outputs are.
namespace ParquetFlow.Tests.Shared;

internal static class BuiltPaths
{
    /// <summary>The build configuration of the running test assembly, which the programs it starts were built in too.</summary>
    public static string Configuration { get; } = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";

    /// <summary>The directory holding ParquetFlow.slnx, found upwards from the test assembly.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The built <paramref name="dll"/> of the project in <paramref name="projectDirectory"/> (relative to the repository).</summary>
    public static string Built(string projectDirectory, string dll)
    {
        string path = Path.Combine(RepositoryRoot, projectDirectory, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built (build the solution first)");
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
