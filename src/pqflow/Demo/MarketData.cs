using System.Text;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Cli.Demo;

/// <summary>
/// The stock-market order schema of the log-sink document, as columns, with realistic synthetic values:
/// monotonic nanosecond timestamps, ~50 symbols with skewed popularity, increasing order ids, per-symbol
/// random-walk prices in microcents (1e-8 USD), round-lot quantities. The 8-byte symbol is written as a
/// STRING column (trailing NULs trimmed) so that every reader shows text, not bytes.
/// </summary>
public sealed class MarketData
{
    private static readonly string[] s_symbols =
    [
        "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "BRK.B", "AVGO", "JPM",
        "LLY", "V", "UNH", "XOM", "MA", "JNJ", "PG", "HD", "COST", "MRK",
        "ABBV", "CVX", "CRM", "BAC", "NFLX", "AMD", "PEP", "KO", "TMO", "WMT",
        "ADBE", "LIN", "MCD", "CSCO", "ACN", "ABT", "ORCL", "DHR", "INTC", "DIS",
        "WFC", "TXN", "VZ", "PM", "CMCSA", "INTU", "NKE", "QCOM", "IBM", "AMGN",
    ];

    private MarketData(int count)
    {
        Count = count;
        TimestampNs = new long[count];
        SymbolIndex = new byte[count];
        OrderId = new long[count];
        Side = new int[count];
        Price = new long[count];
        Quantity = new long[count];
        OrderType = new int[count];
        Exchange = new int[count];
    }

    /// <summary>The eight columns, in record order.</summary>
    public static ParquetSchema Schema { get; } = new(
        ColumnDescriptor.Timestamp("timestamp_ns", TimeUnit.Nanos, isAdjustedToUtc: true),
        ColumnDescriptor.String("symbol"),
        ColumnDescriptor.Int64("order_id"),
        ColumnDescriptor.Int32("side"),
        ColumnDescriptor.Int64("price"),
        ColumnDescriptor.Int64("quantity"),
        ColumnDescriptor.Int32("order_type"),
        ColumnDescriptor.Int32("exchange"));

    /// <summary>The ticker names; <see cref="SymbolIndex"/> points into this list.</summary>
    public static IReadOnlyList<string> Symbols => s_symbols;

    public int Count { get; }

    public long[] TimestampNs { get; }

    public byte[] SymbolIndex { get; }

    public long[] OrderId { get; }

    public int[] Side { get; }

    public long[] Price { get; }

    public long[] Quantity { get; }

    public int[] OrderType { get; }

    public int[] Exchange { get; }

    /// <summary>Symbol bytes (UTF-8) of every row, back to back; with <see cref="SymbolOffsets"/>.</summary>
    public byte[] SymbolBytes { get; private set; } = [];

    /// <summary>Row i's symbol is <c>SymbolBytes[SymbolOffsets[i]..SymbolOffsets[i + 1]]</c>.</summary>
    public int[] SymbolOffsets { get; private set; } = [];

    /// <summary>Generates <paramref name="count"/> orders deterministically from <paramref name="seed"/>.</summary>
    public static MarketData Generate(int count, int seed = 42)
    {
        var data = new MarketData(count);
        var random = new Random(seed);
        long[] price = new long[s_symbols.Length];
        for (int s = 0; s < price.Length; s++)
        {
            price[s] = (long)(10 + random.Next(490)) * 100_000_000; // $10..$500 in microcents
        }

        long ts = new DateTimeOffset(2026, 11, 23, 14, 30, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000;
        long orderId = 1_000_000_000;
        var bytes = new List<byte>(count * 4);
        int[] offsets = new int[count + 1];
        byte[][] encoded = [.. s_symbols.Select(Encoding.ASCII.GetBytes)];
        for (int i = 0; i < count; i++)
        {
            ts += 20 + (long)(-Math.Log(1 - random.NextDouble()) * 180); // exponential gaps, ~5 M orders/s bursts
            int symbol = Math.Min((int)(-Math.Log(1 - random.NextDouble()) * 12), s_symbols.Length - 1);
            price[symbol] = Math.Max(100_000_000, price[symbol] + ((long)random.Next(-3, 4) * 1_000_000)); // ±3 cents
            double u = random.NextDouble();
            data.TimestampNs[i] = ts;
            data.SymbolIndex[i] = (byte)symbol;
            data.OrderId[i] = orderId += 1 + (random.Next(8) == 0 ? 1 : 0);
            data.Side[i] = random.Next(2);
            data.Price[i] = price[symbol];
            data.Quantity[i] = u < 0.8 ? 100L * (1 + random.Next(10)) : 1 + random.Next(5000);
            data.OrderType[i] = u < 0.6 ? 0 : u < 0.8 ? 1 : u < 0.95 ? 2 : 3;
            data.Exchange[i] = 1 + Math.Min((int)(-Math.Log(1 - random.NextDouble()) * 2.5), 7);
            offsets[i] = bytes.Count;
            bytes.AddRange(encoded[symbol]);
        }

        offsets[count] = bytes.Count;
        data.SymbolBytes = [.. bytes];
        data.SymbolOffsets = offsets;
        return data;
    }

    /// <summary>
    /// Writes the data as row groups of <paramref name="rowGroupRows"/> rows, encoding the eight columns of each
    /// row group on up to <paramref name="threads"/> threads.
    /// </summary>
    public void Write(ParquetFileWriter writer, int rowGroupRows = 1 << 20, int threads = 2)
    {
        for (int start = 0; start < Count; start += rowGroupRows)
        {
            int n = Math.Min(rowGroupRows, Count - start);
            using RowGroupWriter rg = writer.BeginRowGroup();
            int first = start;
            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = threads }, column => WriteColumn(rg, column, first, n));
        }
    }

    private void WriteColumn(RowGroupWriter rg, int column, int start, int n)
    {
        switch (column)
        {
            case 0: rg.WriteColumn<long>(0, TimestampNs.AsSpan(start, n)); break;
            case 1:
                // Offsets index the whole byte buffer: no per-row-group copy or rebasing.
                rg.WriteByteArrays(1, SymbolBytes, SymbolOffsets.AsSpan(start, n + 1));
                break;
            case 2: rg.WriteColumn<long>(2, OrderId.AsSpan(start, n)); break;
            case 3: rg.WriteColumn<int>(3, Side.AsSpan(start, n)); break;
            case 4: rg.WriteColumn<long>(4, Price.AsSpan(start, n)); break;
            case 5: rg.WriteColumn<long>(5, Quantity.AsSpan(start, n)); break;
            case 6: rg.WriteColumn<int>(6, OrderType.AsSpan(start, n)); break;
            default: rg.WriteColumn<int>(7, Exchange.AsSpan(start, n)); break;
        }
    }
}
