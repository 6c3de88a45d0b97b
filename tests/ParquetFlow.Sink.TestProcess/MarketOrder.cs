using System.Runtime.InteropServices;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;

namespace ParquetFlow.Sink.TestProcess;

/// <summary>The log-sink document's market-data record: 52 bytes, packed, little-endian (docs/formats.md).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct MarketOrder
{
    public long TimestampNs;
    public ulong Symbol;
    public long OrderId;
    public int Side;
    public long Price;
    public long Quantity;
    public int OrderType;
    public int Exchange;

    public static RecordLayout Layout { get; } = new(
        RecordField.Timestamp("timestamp_ns", TimeUnit.Nanos),
        RecordField.FixedString("symbol", 8),
        RecordField.Int64("order_id"),
        RecordField.Int32("side"),
        RecordField.Int64("price"),
        RecordField.Int64("quantity"),
        RecordField.Int32("order_type"),
        RecordField.Int32("exchange"));

    /// <summary>A deterministic order number <paramref name="i"/>: symbol "S{i % 7}", price and quantity derived from i.</summary>
    public static MarketOrder Make(long i)
    {
        Span<byte> symbol = stackalloc byte[8];
        symbol.Clear();
        symbol[0] = (byte)'S';
        symbol[1] = (byte)('0' + (i % 7));
        return new MarketOrder
        {
            TimestampNs = 1_700_000_000_000_000_000 + (i * 1000),
            Symbol = MemoryMarshal.Read<ulong>(symbol),
            OrderId = i,
            Side = (int)(i & 1),
            Price = 100_000_000 + (i % 1000),
            Quantity = 100 * (1 + (i % 5)),
            OrderType = (int)(i % 4),
            Exchange = (int)(i % 3),
        };
    }
}
