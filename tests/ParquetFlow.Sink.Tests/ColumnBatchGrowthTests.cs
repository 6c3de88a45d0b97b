using System.Runtime.InteropServices;
using ParquetFlow.Durability;
using ParquetFlow.Parquet;
using ParquetFlow.Sink.TestProcess;

namespace ParquetFlow.Sink.Tests;

/// <summary>
/// The writer's column buffers start small and grow as rows arrive, up to the row group's size: a quiet sink holds what
/// its rows need (a thousand collector partitions), and the rows written are the same as with buffers made full size.
/// </summary>
public sealed class ColumnBatchGrowthTests
{
    [Fact]
    public void Buffers_start_small_double_as_rows_arrive_and_keep_every_row()
    {
        using var t = new TestSupport();
        const int Rows = 5_000;
        var batch = new ColumnBatch(MarketOrder.Layout, 65_536);
        Assert.Equal(0, batch.AllocatedRows); // nothing until the first row
        for (int i = 0; i < Rows; i++)
        {
            MarketOrder order = MarketOrder.Make(i);
            batch.Append(MemoryMarshal.AsBytes(new ReadOnlySpan<MarketOrder>(in order)));
            if (i == 0)
            {
                Assert.Equal(ColumnBatch.InitialRows, batch.AllocatedRows);
            }
        }

        // 1,024 → 2,048 → 4,096 → 8,192: never the 65,536 rows of a full row group.
        Assert.Equal(8_192, batch.AllocatedRows);

        string file = t.PathOf("grown.parquet");
        string inProgress = file + ParquetRecovery.InProgressSuffix;
        using (var durable = new DurableParquetFile(inProgress, MarketOrder.Layout.Schema, new ParquetWriterOptions(), durable: true, Storage.Default, DateTime.UtcNow))
        {
            RowGroupWriter group = durable.BeginRowGroup();
            batch.WriteTo(group);
            durable.EndRowGroup(group, Rows);
            durable.Complete(file);
        }

        Assert.Equal((long)Rows, TestSupport.Scalar("SELECT count(*) FROM read_parquet({f})", file));
        Assert.Equal((long)Rows * (Rows - 1) / 2, TestSupport.Scalar("SELECT sum(order_id)::BIGINT FROM read_parquet({f})", file));
        Assert.Equal($"S{4_999 % 7}", TestSupport.Scalar("SELECT symbol FROM read_parquet({f}) WHERE order_id = 4999", file));
    }

    [Fact]
    public void A_batch_never_grows_past_its_capacity()
    {
        var batch = new ColumnBatch(MarketOrder.Layout, 1_500);
        for (int i = 0; i < 1_500; i++)
        {
            MarketOrder order = MarketOrder.Make(i);
            batch.Append(MemoryMarshal.AsBytes(new ReadOnlySpan<MarketOrder>(in order)));
        }

        Assert.Equal(1_500, batch.AllocatedRows);
        Assert.Equal(1_500, batch.Rows);
    }
}
