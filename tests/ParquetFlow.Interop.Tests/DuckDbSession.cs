using System.Globalization;
using DuckDB.NET.Data;

namespace ParquetFlow.Interop.Tests;

/// <summary>One in-memory DuckDB connection shared by the tests of a class (xunit class fixture; not thread-safe).</summary>
public sealed class DuckDbSession : IDisposable
{
    private readonly DuckDBConnection _connection;

    public DuckDbSession()
    {
        _connection = new DuckDBConnection("DataSource=:memory:");
        _connection.Open();
    }

    /// <summary>Runs <paramref name="sql"/> and returns every row as raw values (DBNull becomes null).</summary>
    public List<object?[]> Query(string sql)
    {
        using DuckDBCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (int i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>A single value.</summary>
    public object? Scalar(string sql) => Query(sql)[0][0];

    public static string Literal(string path) => "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Reads a file through DuckDB: values via each case's SQL expression, types via DESCRIBE, stats via parquet_metadata.</summary>
    internal ReadBack Read(string path, IReadOnlyList<ColumnCase> cases, bool statistics = true)
    {
        var result = new ReadBack("DuckDB", cases.Count);
        string file = Literal(path);
        string select = string.Join(", ", cases.Select(c => string.Format(CultureInfo.InvariantCulture, c.DuckExpression, Quote(c.Name))));
        foreach (object?[] row in Query($"SELECT {select} FROM read_parquet({file}, file_row_number = true) ORDER BY file_row_number"))
        {
            for (int c = 0; c < cases.Count; c++)
            {
                result.Values[c].Add(row[c] is null ? null : ColumnCase.DefaultCanon(row[c]!));
            }
        }

        foreach (object?[] row in Query($"DESCRIBE SELECT * FROM read_parquet({file})"))
        {
            result.Types.Add((string)row[1]!);
        }

        result.RowGroups = Convert.ToInt32(Scalar($"SELECT num_row_groups FROM parquet_file_metadata({file})"), CultureInfo.InvariantCulture);
        if (!statistics)
        {
            return result;
        }

        foreach (object?[] row in Query($"SELECT row_group_id, column_id, stats_null_count, stats_min_value, stats_max_value FROM parquet_metadata({file}) ORDER BY row_group_id, column_id"))
        {
            int column = Convert.ToInt32(row[1], CultureInfo.InvariantCulture);
            Func<string, string>? parse = cases[column].FromDuckStat;
            result.Statistics.Add(new ChunkStatistics(
                Convert.ToInt32(row[0], CultureInfo.InvariantCulture),
                column,
                row[2] is null ? null : Convert.ToInt64(row[2], CultureInfo.InvariantCulture),
                row[3] is string min && parse is not null ? parse(min) : null,
                row[4] is string max && parse is not null ? parse(max) : null));
        }

        return result;
    }

    public void Dispose() => _connection.Dispose();
}
