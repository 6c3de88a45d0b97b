using DuckDB.NET.Data;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Interop.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void DuckDB_reads_a_small_market_data_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pqflow-smoke-{Guid.NewGuid():N}.parquet");
        var schema = new ParquetSchema(
            ColumnDescriptor.Timestamp("timestamp_ns", TimeUnit.Nanos, isAdjustedToUtc: false),
            ColumnDescriptor.String("symbol"),
            ColumnDescriptor.Int64("order_id"),
            ColumnDescriptor.Int32("side"),
            ColumnDescriptor.Double("price", nullable: true));
        using (var writer = ParquetFileWriter.Create(path, schema))
        {
            using RowGroupWriter rg = writer.BeginRowGroup();
            rg.WriteColumn<long>(0, [1_700_000_000_000_000_000, 1_700_000_000_000_000_100, 1_700_000_000_000_000_250]);
            rg.WriteStrings(1, ["AAPL", "MSFT", "AAPL"]);
            rg.WriteColumn<long>(2, [1, 2, 3]);
            rg.WriteColumn<int>(3, [0, 1, 0]);
            rg.WriteColumn<double>(4, [1.5, 2.5], [1, 0, 1]);
        }

        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = $"SELECT epoch_ns(timestamp_ns), symbol, order_id, side, price FROM read_parquet('{path}') ORDER BY order_id";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add($"{reader.GetValue(0)}|{reader.GetValue(1)}|{reader.GetValue(2)}|{reader.GetValue(3)}|{(reader.IsDBNull(4) ? "null" : reader.GetValue(4))}");
        }

        Assert.Equal(
            ["1700000000000000000|AAPL|1|0|1.5", "1700000000000000100|MSFT|2|1|null", "1700000000000000250|AAPL|3|0|2.5"],
            rows);
        File.Delete(path);
    }
}
