using System.Buffers.Binary;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Sink.TestProcess;

namespace ParquetFlow.Sink.Tests;

/// <summary>The sink's encodings come from its writer profile or an explicit per-field choice, never from a column's name.</summary>
public sealed class SinkProfileTests
{
    private static readonly ParquetEncoding[] s_compatibleEncodings = [ParquetEncoding.Plain, ParquetEncoding.RleDictionary, ParquetEncoding.Rle];

    [Fact]
    public void Default_profile_writes_only_PLAIN_and_dictionary_in_v1_data_pages()
    {
        using var t = new TestSupport();
        string file = t.PathOf("orders.parquet");
        LogOrders(new LogSinkOptions { FilePattern = file, RowGroupRows = 8192, FullMode = RingFullMode.Wait }, 20_000);

        ParquetFooter footer = ParquetFooter.Read(file);
        foreach (RowGroup group in footer.Metadata.RowGroups)
        {
            foreach (ColumnChunk chunk in group.Columns)
            {
                ColumnMetaData meta = chunk.MetaData!;
                string name = meta.PathInSchema[0];
                Assert.All(meta.Encodings, e => Assert.True(s_compatibleEncodings.Contains(e), $"{name}: {e} is not in the compatible profile"));
                Assert.All(meta.EncodingStats!, s => Assert.True(s.PageType is PageType.DataPage or PageType.DictionaryPage, $"{name}: {s.PageType} page"));
                Assert.DoesNotContain(meta.EncodingStats!, s => s.PageType == PageType.DataPage && s.Encoding == ParquetEncoding.Rle);
            }
        }

        Assert.Equal(20_000L * 19_999 / 2, Convert.ToInt64(TestSupport.Scalar("SELECT sum(order_id)::BIGINT FROM read_parquet({f})", file)));
    }

    [Fact]
    public void Compact_profile_delta_encodes_monotonic_timestamps_and_ids_in_v2_pages_because_of_their_values()
    {
        using var t = new TestSupport();
        string file = t.PathOf("orders.parquet");
        LogOrders(new LogSinkOptions { FilePattern = file, RowGroupRows = 8192, FullMode = RingFullMode.Wait, Profile = ParquetProfile.Compact }, 20_000);

        RowGroup group = ParquetFooter.Read(file).Metadata.RowGroups[0];
        Assert.Contains(ParquetEncoding.DeltaBinaryPacked, group.Columns[0].MetaData!.Encodings);   // timestamp_ns
        Assert.Contains(ParquetEncoding.DeltaBinaryPacked, group.Columns[2].MetaData!.Encodings);   // order_id
        Assert.Contains(ParquetEncoding.RleDictionary, group.Columns[1].MetaData!.Encodings);       // symbol
        Assert.All(group.Columns, c => Assert.DoesNotContain(c.MetaData!.EncodingStats!, s => s.PageType == PageType.DataPage));
        Assert.Equal(0L, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f}) WHERE timestamp_ns <> make_timestamp_ns(1700000000000000000 + order_id * 1000)", file)));
    }

    [Theory]
    [InlineData(ParquetProfile.Compatible)]
    [InlineData(ParquetProfile.Compact)]
    public void A_bid_price_column_is_not_delta_encoded_for_its_name_unless_asked(ParquetProfile profile)
    {
        // The sink used to delta-encode every integer column whose name ends in "id", which caught "bid". Under
        // Compatible nothing is delta-encoded whatever the values; under Compact delta is chosen only when the values
        // pay, and scattered prices do not; asked for explicitly, the field gets it under both.
        using var t = new TestSupport();
        var layout = new RecordLayout(RecordField.Int64("bid"), RecordField.Int64("ask"));
        var random = new Random(20261203);
        long[] bids = new long[5000];
        for (int i = 0; i < bids.Length; i++)
        {
            bids[i] = profile == ParquetProfile.Compatible ? 100_000_000 + i : random.NextInt64();
        }

        string automatic = t.PathOf("automatic.parquet");
        string asked = t.PathOf("asked.parquet");
        Log(layout, new LogSinkOptions { FilePattern = automatic, Profile = profile, FullMode = RingFullMode.Wait }, bids);
        Log(layout, new LogSinkOptions { FilePattern = asked, Profile = profile, FullMode = RingFullMode.Wait, Encodings = new Dictionary<string, ParquetEncoding> { ["bid"] = ParquetEncoding.DeltaBinaryPacked } }, bids);

        ColumnMetaData bid = ParquetFooter.Read(automatic).Metadata.RowGroups[0].Columns[0].MetaData!;
        Assert.DoesNotContain(ParquetEncoding.DeltaBinaryPacked, bid.Encodings);
        Assert.Contains(ParquetEncoding.DeltaBinaryPacked, ParquetFooter.Read(asked).Metadata.RowGroups[0].Columns[0].MetaData!.Encodings);
        foreach (string file in new[] { automatic, asked })
        {
            Assert.Equal(bids.Length, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f}) WHERE ask = bid + 1", file)));
        }
    }

    private static void LogOrders(LogSinkOptions options, int count)
    {
        using var sink = new LogSink(MarketOrder.Layout, options);
        for (long i = 0; i < count; i++)
        {
            MarketOrder order = MarketOrder.Make(i);
            Assert.Equal(LogResult.Ok, sink.TryLog(in order));
        }
    }

    private static void Log(RecordLayout layout, LogSinkOptions options, long[] bids)
    {
        using var sink = new LogSink(layout, options);
        byte[] record = new byte[16];
        foreach (long bid in bids)
        {
            BinaryPrimitives.WriteInt64LittleEndian(record, bid);
            BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(8), unchecked(bid + 1));
            Assert.Equal(LogResult.Ok, sink.TryLog(record));
        }
    }
}
