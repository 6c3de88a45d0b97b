using System.Buffers.Binary;
using System.Text;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Sink.TestProcess;

namespace ParquetFlow.Sink.Tests;

public sealed class LogSinkTests
{
    [Fact]
    public void Market_orders_reach_parquet_with_symbols_as_trimmed_strings()
    {
        using var t = new TestSupport();
        const int Count = 100_000;
        using (var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = t.PathOf("orders.parquet"), RowGroupRows = 16_384, FullMode = RingFullMode.Wait }))
        {
            for (long i = 0; i < Count; i++)
            {
                MarketOrder order = MarketOrder.Make(i);
                Assert.Equal(LogResult.Ok, sink.TryLog(in order));
            }
        }

        string file = t.PathOf("orders.parquet");
        Assert.Equal([file], t.ParquetFiles());
        Assert.Empty(Directory.GetFiles(t.Directory, "*.inprogress*"));
        ParquetFooter footer = ParquetFooter.Read(file);
        Assert.Equal(Count, footer.Metadata.NumRows);
        Assert.Equal(7, footer.Metadata.RowGroups.Count);
        Assert.Equal(Count, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f})", file)));
        Assert.Equal((long)Count * (Count - 1) / 2, Convert.ToInt64(TestSupport.Scalar("SELECT sum(order_id)::BIGINT FROM read_parquet({f})", file)));
        Assert.Equal(0L, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f}) WHERE symbol <> 'S' || (order_id % 7)::VARCHAR OR price <> 100000000 + order_id % 1000 OR timestamp_ns <> make_timestamp_ns(1700000000000000000 + order_id * 1000)", file)));
        ColumnMetaData ts = footer.Metadata.RowGroups[0].Columns[0].MetaData;
        ColumnMetaData symbol = footer.Metadata.RowGroups[0].Columns[1].MetaData;
        ColumnMetaData orderId = footer.Metadata.RowGroups[0].Columns[2].MetaData;
        // The default (compatible) profile: no delta for monotonic columns either (SinkProfileTests has the compact one).
        Assert.DoesNotContain(ParquetEncoding.DeltaBinaryPacked, ts.Encodings);
        Assert.DoesNotContain(ParquetEncoding.DeltaBinaryPacked, orderId.Encodings);
        Assert.Contains(ParquetEncoding.RleDictionary, symbol.Encodings);
        Assert.Equal(CompressionCodec.Snappy, ts.Codec);
    }

    [Fact]
    public void Nullable_and_byte_array_fields_round_trip()
    {
        using var t = new TestSupport();
        var layout = new RecordLayout(
            RecordField.Int32("a", nullable: true),
            RecordField.ByteArray("text", nullable: true, logicalType: LogicalType.String()),
            RecordField.Double("d"),
            RecordField.Boolean("flag", nullable: true),
            RecordField.FixedBytes("raw", 3));
        string file = t.PathOf("mixed.parquet");
        using (var sink = new LogSink(layout, new LogSinkOptions { FilePattern = file, RowGroupRows = 7, Compression = CompressionCodec.Zstd }))
        {
            for (int i = 0; i < 50; i++)
            {
                string text = new('x', i % 5);
                byte[] record = new byte[1 + 4 + 4 + text.Length + 8 + 1 + 3];
                byte bitmap = 0;
                bitmap |= i % 3 == 0 ? (byte)1 : (byte)0;
                bitmap |= i % 4 == 0 ? (byte)2 : (byte)0;
                bitmap |= i % 5 == 0 ? (byte)4 : (byte)0;
                record[0] = bitmap;
                BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(1), i);
                BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(5), text.Length);
                Encoding.ASCII.GetBytes(text, record.AsSpan(9));
                int at = 9 + text.Length;
                BinaryPrimitives.WriteDoubleLittleEndian(record.AsSpan(at), i * 0.5);
                record[at + 8] = (byte)(i & 1);
                record[at + 9] = (byte)i;
                Assert.Equal(LogResult.Ok, sink.TryLog(record));
            }

            Assert.Equal(LogResult.Invalid, sink.TryLog(new byte[3]));
            Assert.Equal(1, sink.Statistics.Invalid);
        }

        Assert.Equal(50L, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f})", file)));
        Assert.Equal(17L, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f}) WHERE a IS NULL", file)));
        Assert.Equal(13L, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f}) WHERE text IS NULL", file)));
        Assert.Equal(10L, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f}) WHERE flag IS NULL", file)));
        Assert.Equal(0L, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f}) WHERE (a IS NOT NULL AND (a <> d * 2 OR length(text) IS DISTINCT FROM CASE WHEN a % 4 = 0 THEN NULL ELSE a % 5 END)) OR (flag IS NOT NULL AND flag <> ((d * 2)::INT % 2 = 1))", file)));
        Assert.Equal(1225.0 / 2, Convert.ToDouble(TestSupport.Scalar("SELECT sum(d) FROM read_parquet({f})", file)));
    }

    [Fact]
    public void Invalid_counts_layout_mismatches_and_records_too_long_for_the_ring_and_survives_dispose()
    {
        using var t = new TestSupport();
        var layout = new RecordLayout(RecordField.Int32("a"), RecordField.ByteArray("b"));
        LogSink sink;
        using (sink = new LogSink(layout, new LogSinkOptions { FilePattern = t.PathOf("v.parquet"), RingCapacityBytes = 256 }))
        {
            // The ring takes records up to 128 - 4 bytes: 124 = 4 + 4 + 116 passes, 125 = 4 + 4 + 117 is valid but too long.
            foreach ((int text, LogResult expected) in new[] { (116, LogResult.Ok), (117, LogResult.Invalid) })
            {
                byte[] record = new byte[8 + text];
                BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), text);
                Assert.True(layout.IsValid(record));
                Assert.Equal(expected, sink.TryLog(record));
            }

            Assert.Equal(LogResult.Invalid, sink.TryLog(new byte[7]));
            sink.Flush();
        }

        LogSinkStatistics stats = sink.Statistics;
        Assert.Equal(2, stats.Invalid);
        Assert.Equal(1, stats.Logged);
        Assert.Equal(1, stats.Written);
    }

    [Fact]
    public void Rotates_by_rows_with_sequence_numbers_and_every_file_complete()
    {
        using var t = new TestSupport();
        using (var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = t.PathOf("o-{seq}-{utc}.parquet"), RowGroupRows = 1000, MaxRowsPerFile = 2500, FullMode = RingFullMode.Wait }))
        {
            for (long i = 0; i < 10_000; i++)
            {
                MarketOrder order = MarketOrder.Make(i);
                sink.TryLog(in order);
            }

            sink.Flush();
            Assert.Equal(10_000, sink.Statistics.Written);
        }

        string[] files = t.ParquetFiles();
        Assert.Equal(4, files.Length);
        for (int i = 0; i < files.Length; i++)
        {
            Assert.StartsWith($"o-{i:D6}-", Path.GetFileName(files[i]), StringComparison.Ordinal);
            ParquetFooter footer = ParquetFooter.Read(files[i]);
            Assert.Equal(2500, footer.Metadata.NumRows);
            Assert.Equal([1000L, 1000L, 500L], footer.Metadata.RowGroups.Select(g => g.NumRows));
        }

        Assert.Equal(10_000L, Convert.ToInt64(TestSupport.Scalar("SELECT count(DISTINCT order_id) FROM read_parquet({f})", files)));
    }

    [Fact]
    public void Rotates_by_bytes_without_a_seq_token()
    {
        using var t = new TestSupport();
        LogSinkStatistics stats;
        using (var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = t.PathOf("b.parquet"), RowGroupRows = 500, MaxBytesPerFile = 1, FullMode = RingFullMode.Wait, Compression = CompressionCodec.Uncompressed }))
        {
            for (long i = 0; i < 3000; i++)
            {
                MarketOrder order = MarketOrder.Make(i);
                sink.TryLog(in order);
            }

            sink.Flush();
            stats = sink.Statistics;
        }

        string[] files = t.ParquetFiles();
        Assert.Equal(["b-000001.parquet", "b-000002.parquet", "b-000003.parquet", "b-000004.parquet", "b-000005.parquet", "b.parquet"], files.Select(Path.GetFileName));
        Assert.Equal(6, stats.Files);
        Assert.Equal(files.Sum(f => new FileInfo(f).Length), stats.Bytes);
    }

    [Fact]
    public void Flush_makes_every_earlier_record_durable_in_the_file_in_progress()
    {
        using var t = new TestSupport();
        string file = t.PathOf("f.parquet");
        using var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = file, RowGroupRows = 100_000, RowGroupTimeout = TimeSpan.FromHours(1) });
        for (long i = 0; i < 1234; i++)
        {
            MarketOrder order = MarketOrder.Make(i);
            sink.TryLog(in order);
        }

        sink.Flush();
        Assert.Equal(1234, sink.Statistics.Written);

        // What a crash right now would leave behind: the file in progress and its journal.
        string copy = t.PathOf("copy.parquet");
        File.Copy(file + ".inprogress", copy);
        File.Copy(file + ".inprogress.journal", copy + ".journal");
        RecoveryResult result = ParquetRecovery.Recover(copy);
        Assert.Equal(1234, result.Rows);
        Assert.Equal(1234L, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f})", copy)));
    }

    [Fact]
    public void Paused_writer_makes_producers_drop_and_count_never_block()
    {
        using var t = new TestSupport();
        using var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = t.PathOf("p.parquet"), RingCapacityBytes = 1 << 12 });
        sink.PauseWriter(true);
        for (long i = 0; i < 1000; i++)
        {
            MarketOrder order = MarketOrder.Make(i);
            sink.TryLog(in order);
        }

        LogSinkStatistics stats = sink.Statistics;
        Assert.Equal(64, stats.Logged);
        Assert.Equal(936, stats.Dropped);
        sink.PauseWriter(false);
        sink.Flush();
        Assert.Equal(64, sink.Statistics.Written);
    }

    [Fact]
    public void The_writer_runs_pinned_to_a_cpu_and_an_impossible_cpu_is_reported_not_fatal()
    {
        using var t = new TestSupport();
        // A CPU this process may run on (a container's cpuset need not start at 0).
        int allowed = OperatingSystem.IsLinux() ? System.Numerics.BitOperations.TrailingZeroCount((ulong)System.Diagnostics.Process.GetCurrentProcess().ProcessorAffinity) : 0;
        foreach ((int cpu, bool pinned) in new[] { (allowed, true), (5000, false) })
        {
            string file = t.PathOf($"cpu{cpu}.parquet");
            using var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = file, WriterCpu = cpu, FullMode = RingFullMode.Wait });
            for (long i = 0; i < 1000; i++)
            {
                MarketOrder order = MarketOrder.Make(i);
                Assert.Equal(LogResult.Ok, sink.TryLog(in order));
            }

            sink.Flush();
            Assert.Equal(1000, sink.Statistics.Written);
            if (pinned)
            {
                Assert.Null(sink.Statistics.LastError);
            }
            else
            {
                Assert.Contains("could not pin the writer thread to CPU 5000", sink.Statistics.LastError, StringComparison.Ordinal);
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = t.PathOf("x.parquet"), WriterCpu = -1 }));
    }

    [Fact]
    public void File_numbers_continue_after_the_files_already_there_and_a_seq_in_a_directory_name_is_left_alone()
    {
        using var t = new TestSupport();
        foreach (int run in new[] { 0, 1 })
        {
            using var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = t.PathOf("o-{seq}-{utc}.parquet"), MaxRowsPerFile = 10, FullMode = RingFullMode.Wait });
            for (long i = 0; i < 20; i++)
            {
                MarketOrder order = MarketOrder.Make(i);
                sink.TryLog(in order);
            }
        }

        // The second sink numbered its files 2 and 3, after the first one's 0 and 1.
        Assert.Equal(["000000", "000001", "000002", "000003"], t.ParquetFiles().Select(f => Path.GetFileName(f).Split('-')[1]));

        string nested = t.PathOf("run-{seq}/log.parquet");
        for (int run = 0; run < 2; run++)
        {
            using var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = nested });
            MarketOrder order = MarketOrder.Make(run);
            sink.TryLog(in order);
        }

        Assert.True(File.Exists(t.PathOf("run-000000/log.parquet")));
    }

    [Fact]
    public void Multi_producer_sink_writes_every_record_of_every_thread()
    {
        using var t = new TestSupport();
        string file = t.PathOf("m.parquet");
        using (var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = file, MultiProducer = true, FullMode = RingFullMode.Wait, RowGroupRows = 5000 }))
        {
            Parallel.For(0, 4, p =>
            {
                for (long i = 0; i < 20_000; i++)
                {
                    MarketOrder order = MarketOrder.Make((p * 20_000) + i);
                    sink.TryLog(in order);
                }
            });
        }

        Assert.Equal(80_000L, Convert.ToInt64(TestSupport.Scalar("SELECT count(DISTINCT order_id) FROM read_parquet({f})", file)));
    }
    [Fact]
    public void Rotates_by_age_once_the_file_is_old_enough()
    {
        using var t = new TestSupport();
        using var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = t.PathOf("age-{seq}.parquet"), MaxFileAge = TimeSpan.FromMilliseconds(20) });
        MarketOrder order = MarketOrder.Make(0);
        sink.TryLog(in order);
        sink.Flush();

        // The writer closes the file on one of its idle ticks after 20 ms; poll its counter (bounded).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var spin = default(SpinWait);
        while (sink.Statistics.Files == 0 && DateTime.UtcNow < deadline)
        {
            spin.SpinOnce();
        }

        Assert.Equal(1, sink.Statistics.Files);
        Assert.Equal(1, ParquetFooter.Read(t.PathOf("age-000000.parquet")).Metadata.NumRows);
    }

    [Fact]
    public void Write_errors_are_reported_and_counted_never_thrown_on_the_writer_thread()
    {
        using var t = new TestSupport();
        string directory = Path.Combine(t.Directory, "vanishing");
        using var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = Path.Combine(directory, "e.parquet"), RowGroupRows = 10, MaxRowsPerFile = 10 });
        for (long i = 0; i < 5; i++)
        {
            MarketOrder order = MarketOrder.Make(i);
            sink.TryLog(in order);
        }

        sink.Flush();
        Directory.Delete(directory, recursive: true);
        for (long i = 5; i < 10; i++)
        {
            MarketOrder order = MarketOrder.Make(i);
            sink.TryLog(in order);
        }

        // The file in progress can no longer be renamed to its final name.
        Assert.Throws<IOException>(sink.Flush);
        for (long i = 10; i < 15; i++)
        {
            MarketOrder order = MarketOrder.Make(i);
            sink.TryLog(in order);
        }

        // No directory to open the next file in: those rows are lost, and counted.
        Assert.Throws<IOException>(sink.Flush);
        LogSinkStatistics stats = sink.Statistics;
        Assert.Equal(5, stats.Lost);
        Assert.Equal(10, stats.Written);
        Assert.NotNull(stats.LastError);
        sink.Flush();
    }
}
