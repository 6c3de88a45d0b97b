using System.Diagnostics;
using DuckDB.NET.Data;
using ParquetFlow.Durability.Faults;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Sink.Tests;

/// <summary>A temporary directory, DuckDB read-back, and the built helper process.</summary>
internal sealed class TestSupport : IDisposable
{
    public TestSupport()
    {
        Directory = Path.Combine(Path.GetTempPath(), "pqflow-sink-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public static string TestProcessDll => BuiltPaths.Built("tests/ParquetFlow.Sink.TestProcess", "ParquetFlow.Sink.TestProcess.dll");

    /// <summary>The helper process with <paramref name="arguments"/>, its stdout redirected.</summary>
    public static ProcessStartInfo TestProcess(params string[] arguments)
    {
        ProcessStartInfo info = BuiltPaths.Command(TestProcessDll, arguments);
        info.RedirectStandardOutput = true;
        return info;
    }

    /// <summary>
    /// Storage whose every write throws an unexpected exception (a bug in the writer, not an I/O error) once
    /// <paramref name="armed"/> says so: it kills the sink's writer thread.
    /// </summary>
    public static FaultyStorage BuggyWrites(Func<bool> armed) => new()
    {
        OnCall = (_, operation, _) =>
        {
            if (operation == StorageOperation.Write && armed())
            {
                throw new InvalidOperationException("injected: a bug in the writer");
            }
        },
    };

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
