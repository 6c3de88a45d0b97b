// Child process of the Sink crash tests: logs market orders into a LogSink with small row groups, flushing every
// N records and printing "flushed <count>" after each flush returns, until it is killed.
using System.Globalization;
using ParquetFlow.Sink;
using ParquetFlow.Sink.TestProcess;

string directory = args[0];
int flushEvery = int.Parse(args[1], CultureInfo.InvariantCulture);
using var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions
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
