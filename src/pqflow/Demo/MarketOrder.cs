using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;

namespace ParquetFlow.Cli.Demo;

/// <summary>
/// The market-data record of the log-sink document (52 bytes, packed) as both demos log it: the system demo's live
/// orders and <c>demo --file</c>'s generated <see cref="MarketData"/>. The 8-byte symbol is a <c>char[8]</c> written as
/// a STRING column (trailing NULs trimmed), so the columns are those of <see cref="MarketData.Schema"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct MarketOrder
{
    public long TimestampNs;
    public ulong Symbol;
    public long OrderId;
    public int Side;
    public long Price;
    public long Quantity;
    public int OrderType;
    public int Exchange;

    /// <summary>Every ticker of <see cref="MarketData.Symbols"/> as the record's little-endian <c>char[8]</c>.</summary>
    private static readonly ulong[] s_symbols = [.. MarketData.Symbols.Select(Ticker)];

    /// <summary>The record layout, field for field the struct above.</summary>
    public static RecordLayout Layout { get; } = new(
        RecordField.Timestamp("timestamp_ns", TimeUnit.Nanos),
        RecordField.FixedString("symbol", 8),
        RecordField.Int64("order_id"),
        RecordField.Int32("side"),
        RecordField.Int64("price"),
        RecordField.Int64("quantity"),
        RecordField.Int32("order_type"),
        RecordField.Int32("exchange"));

    /// <summary>A live order: now, a random symbol, side, type and exchange, order id from <paramref name="i"/>.</summary>
    public static MarketOrder Make(long i, long price, Random random) => new()
    {
        TimestampNs = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100,
        Symbol = s_symbols[random.Next(s_symbols.Length)],
        OrderId = 1_000_000_000 + i,
        Side = random.Next(2),
        Price = price,
        Quantity = 1 + random.Next(5000),
        OrderType = random.Next(4),
        Exchange = 1 + random.Next(8),
    };

    /// <summary>Row <paramref name="i"/> of generated <paramref name="data"/>.</summary>
    public static MarketOrder From(MarketData data, int i) => new()
    {
        TimestampNs = data.TimestampNs[i],
        Symbol = s_symbols[data.SymbolIndex[i]],
        OrderId = data.OrderId[i],
        Side = data.Side[i],
        Price = data.Price[i],
        Quantity = data.Quantity[i],
        OrderType = data.OrderType[i],
        Exchange = data.Exchange[i],
    };

    /// <summary>The ticker as the little-endian <c>char[8]</c> of the record, NUL-padded.</summary>
    private static ulong Ticker(string symbol)
    {
        Span<byte> bytes = stackalloc byte[8];
        bytes.Clear();
        Encoding.ASCII.GetBytes(symbol.AsSpan(0, Math.Min(8, symbol.Length)), bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }
}
