using ParquetFlow.Cli.Demo;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Cli.Tests;

/// <summary><c>pqflow demo --file</c>, which logs its generated orders through the log sink, as a real process; the file is read back by Parquet.Net.</summary>
public sealed class DemoFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-demo-file-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_file_holds_every_generated_order_in_one_row_group_and_a_second_run_replaces_it()
    {
        string output = Path.Combine(_directory, "md.parquet");
        for (int run = 0; run < 2; run++)
        {
            (int exit, string stdout, string stderr) = PqflowProcess.Run("demo", "--file", "--rows", "50000", "--output", output);
            Assert.True(exit == 0, stderr);
            Assert.Contains($"wrote 50,000 orders to {output} in ", stdout, StringComparison.Ordinal);
            Assert.Contains("rows:       50,000 in 1 row group(s)", stdout, StringComparison.Ordinal);
            Assert.Equal([output], Directory.GetFiles(_directory));
        }

        ParquetReadBack file = await ParquetReadBack.ReadAsync(output);
        Assert.Equal(["timestamp_ns", "symbol", "order_id", "side", "price", "quantity", "order_type", "exchange"], file.Names);
        Assert.Equal([50_000L], file.RowGroupRows);
        Assert.Equal("market data, log-sink document schema", file.Metadata["parquetflow.demo"]);

        MarketData data = MarketData.Generate(50_000);
        Assert.Equal(data.TimestampNs, file.Column<long>("timestamp_ns"));
        Assert.Equal(data.SymbolIndex.Select(i => MarketData.Symbols[i]), file.Column<string>("symbol"));
        Assert.Equal(data.OrderId, file.Column<long>("order_id"));
        Assert.Equal(data.Side, file.Column<int>("side"));
        Assert.Equal(data.Price, file.Column<long>("price"));
        Assert.Equal(data.Quantity, file.Column<long>("quantity"));
        Assert.Equal(data.OrderType, file.Column<int>("order_type"));
        Assert.Equal(data.Exchange, file.Column<int>("exchange"));
    }

    [Fact]
    public async Task No_orders_still_make_a_readable_file()
    {
        string output = Path.Combine(_directory, "empty.parquet");
        (int exit, _, string stderr) = PqflowProcess.Run("demo", "--file", "--rows", "0", "--output", output);
        Assert.True(exit == 0, stderr);
        ParquetReadBack file = await ParquetReadBack.ReadAsync(output);
        Assert.Equal(0, file.Rows);
        Assert.Equal(8, file.Names.Count);
    }
}
