using DuckDB.NET.Data;

namespace ParquetFlow.Sink.Tests;

/// <summary>A temporary directory, DuckDB read-back, and the built helper process.</summary>
internal sealed class TestSupport : IDisposable
{
    private static readonly string s_configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";

    public TestSupport()
    {
        Directory = Path.Combine(Path.GetTempPath(), "pqflow-sink-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public static string TestProcessDll
    {
        get
        {
            string root = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(root, "ParquetFlow.slnx")))
            {
                root = Path.GetDirectoryName(root.TrimEnd('/'))!;
            }

            return Path.Combine(root, "tests/ParquetFlow.Sink.TestProcess/bin", s_configuration, "net10.0/ParquetFlow.Sink.TestProcess.dll");
        }
    }

    public string PathOf(string name) => Path.Combine(Directory, name);

    public string[] ParquetFiles() => [.. System.IO.Directory.GetFiles(Directory, "*.parquet").Order(StringComparer.Ordinal)];

    /// <summary>Runs one scalar DuckDB query; <c>{f}</c> is replaced by a quoted file list.</summary>
    public static object? Scalar(string sql, params string[] files)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = sql.Replace("{f}", "[" + string.Join(", ", files.Select(f => "'" + f + "'")) + "]", StringComparison.Ordinal);
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
