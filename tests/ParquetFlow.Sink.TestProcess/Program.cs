// Child process of the Sink crash tests: logs market orders into a LogSink with small row groups, flushing every
// N records and printing "flushed <count>" after each flush returns, until it is killed. With "columns" as third
// argument the orders go in as column batches of varying sizes (most span row groups of 500) and the flush follows
// the first batch that reaches each multiple of N.
using System.Globalization;
using ParquetFlow.Sink;
using ParquetFlow.Sink.TestProcess;

string directory = args[0];
int flushEvery = int.Parse(args[1], CultureInfo.InvariantCulture);
bool columns = args.Length > 2 && args[2] == "columns";
using var sink = new LogSink(columns ? OrderColumns.Layout : MarketOrder.Layout, new LogSinkOptions
{
    FilePattern = Path.Combine(directory, "orders-{seq}.parquet"),
    RowGroupRows = 500,
    RowGroupTimeout = TimeSpan.FromMilliseconds(2),
    MaxRowsPerFile = 20_000,
    RingCapacityBytes = 1 << 20,
    FullMode = RingFullMode.Wait,
});
Console.Out.WriteLine("ready");
Console.Out.Flush();
if (columns)
{
    var batch = new OrderColumns(2048);
    for (long logged = 0, batches = 0; ; batches++)
    {
        int count = (int)(1 + (batches * 7919 % 2048));
        batch.Log(sink, logged, count);
        if ((logged + count) / flushEvery != logged / flushEvery)
        {
            sink.Flush();
            Console.Out.WriteLine($"flushed {logged + count}");
            Console.Out.Flush();
        }

        logged += count;
    }
}
else
{
    for (long i = 0; ; i++)
    {
        MarketOrder order = MarketOrder.Make(i);
        sink.TryLog(in order);
        if ((i + 1) % flushEvery == 0)
        {
            sink.Flush();
            Console.Out.WriteLine($"flushed {i + 1}");
            Console.Out.Flush();
        }
    }
}
