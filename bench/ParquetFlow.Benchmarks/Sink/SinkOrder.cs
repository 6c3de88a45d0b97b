using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;

namespace ParquetFlow.Benchmarks.Sink;

/// <summary>The 52-byte market-data record of the log-sink document, generated deterministically from its index.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct SinkOrder
{
    public long TimestampNs;
    public ulong Symbol;
    public long OrderId;
    public int Side;
    public long Price;
    public long Quantity;
    public int OrderType;
    public int Exchange;

    // "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "BRK.B" as little-endian char[8].
    private static readonly ulong[] s_symbols =
    [
        0x4C504141, 0x5446534D, 0x4144564E, 0x4E5A4D41, 0x4C474F4F47, 0x4154454D, 0x414C5354, 0x422E4B5242,
    ];

    public static RecordLayout Layout { get; } = new(
        RecordField.Timestamp("timestamp_ns", TimeUnit.Nanos),
        RecordField.FixedString("symbol", 8),
        RecordField.Int64("order_id"),
        RecordField.Int32("side"),
        RecordField.Int64("price"),
        RecordField.Int64("quantity"),
        RecordField.Int32("order_type"),
        RecordField.Int32("exchange"));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SinkOrder Make(long i) => new()
    {
        TimestampNs = 1_700_000_000_000_000_000 + (i * 100),
        Symbol = s_symbols[(int)(i & 7)],
        OrderId = i,
        Side = (int)(i & 1),
        Price = 15_000_000_000 + ((i * 7919) % 100_000),
        Quantity = 100 * (1 + (i % 10)),
        OrderType = (int)(i & 3),
        Exchange = (int)(i % 3),
    };
}
