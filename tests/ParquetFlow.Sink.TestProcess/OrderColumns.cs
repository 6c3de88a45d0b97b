using ParquetFlow.Parquet;
using ParquetFlow.Sink;

namespace ParquetFlow.Sink.TestProcess;

/// <summary>
/// Market orders as column batches (<see cref="LogSink.TryLogColumns"/>): the fixed-width fields of
/// <see cref="MarketOrder"/>, order numbers and prices dense (prices narrower than their field), the exchange one
/// repeated value a batch. Shared by the crash test's child process and the in-process tests.
/// </summary>
public sealed class OrderColumns
{
    private readonly long[] _timestamps;
    private readonly long[] _orderIds;
    private readonly uint[] _prices;
    private readonly ColumnValues[] _columns = new ColumnValues[5];

    /// <summary>Buffers for batches of up to <paramref name="capacity"/> orders.</summary>
    public OrderColumns(int capacity)
    {
        _timestamps = new long[capacity];
        _orderIds = new long[capacity];
        _prices = new uint[capacity];
    }

    /// <summary>The layout: timestamp_ns, order_id, price (from uint), side (from byte), exchange.</summary>
    public static RecordLayout Layout { get; } = new(
        RecordField.Timestamp("timestamp_ns", TimeUnit.Nanos),
        RecordField.Int64("order_id"),
        RecordField.Int64("price"),
        RecordField.Int32("side"),
        RecordField.Int32("exchange"));

    /// <summary>Logs orders <paramref name="first"/> .. + <paramref name="count"/> as one batch (values as in <see cref="MarketOrder.Make"/>).</summary>
    public LogResult Log(LogSink sink, long first, int count)
    {
        for (int i = 0; i < count; i++)
        {
            MarketOrder order = MarketOrder.Make(first + i);
            _timestamps[i] = order.TimestampNs;
            _orderIds[i] = order.OrderId;
            _prices[i] = (uint)order.Price;
        }

        _columns[0] = ColumnValues.Dense<long>(_timestamps.AsMemory(0, count));
        _columns[1] = ColumnValues.Dense<long>(_orderIds.AsMemory(0, count));
        _columns[2] = ColumnValues.Dense<uint>(_prices.AsMemory(0, count));
        _columns[3] = ColumnValues.Repeated((byte)(first % 2));
        _columns[4] = ColumnValues.Repeated((short)-(first % 5));
        return sink.TryLogColumns(count, _columns);
    }
}
