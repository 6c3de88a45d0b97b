// Stock-market order capture with a LogSink: a 52-byte packed struct per order, logged from one thread without
// blocking, written to Snappy Parquet with delta-encoded timestamps and ids and a dictionary for symbols.
// Usage: dotnet run --project examples/MarketDataExample -- out.parquet [count]
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;

string path = args.Length > 0 ? args[0] : "market_data.parquet";
long count = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
string[] symbols = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "BRK.B"];
ulong[] symbolBytes = [.. symbols.Select(s =>
{
    byte[] b = new byte[8];
    Encoding.ASCII.GetBytes(s, b);
    return BitConverter.ToUInt64(b);
})];

var layout = new RecordLayout(
    RecordField.Timestamp("timestamp_ns", TimeUnit.Nanos),
    RecordField.FixedString("symbol", 8),
    RecordField.Int64("order_id"),
    RecordField.Int32("side"),
    RecordField.Int64("price"),
    RecordField.Int64("quantity"),
    RecordField.Int32("order_type"),
    RecordField.Int32("exchange"));

using var sink = new LogSink(layout, new LogSinkOptions { FilePattern = path, Compression = CompressionCodec.Snappy });
long t0 = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
for (long i = 0; i < count; i++)
{
    var order = new Order
    {
        TimestampNs = t0 + (i * 100),
        Symbol = symbolBytes[i % symbols.Length],
        OrderId = i,
        Side = (int)(i & 1),
        Price = 15_000_000_000 + (i % 1000 * 1000),
        Quantity = 100 * (1 + (i % 10)),
        OrderType = (int)(i % 4),
        Exchange = (int)(i % 3),
    };

    // A full ring drops the record and counts it; this example retries so that the file holds every order.
    while (sink.TryLog(in order) == LogResult.Full)
    {
        Thread.SpinWait(20);
    }
}

sink.Flush();
LogSinkStatistics stats = sink.Statistics;
Console.WriteLine($"logged {stats.Logged:N0}, written {stats.Written:N0}, refused while full {stats.Dropped:N0}, row groups {stats.RowGroups:N0}");

/// <summary>The 52-byte record (docs/formats.md, "Log-sink records").</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct Order
{
    public long TimestampNs;
    public ulong Symbol;
    public long OrderId;
    public int Side;
    public long Price;
    public long Quantity;
    public int OrderType;
    public int Exchange;
}
