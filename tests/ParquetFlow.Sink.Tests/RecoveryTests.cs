using System.Diagnostics;
using System.Runtime.InteropServices;
using ParquetFlow.Parquet;
using ParquetFlow.Sink.TestProcess;

namespace ParquetFlow.Sink.Tests;

public sealed class RecoveryTests
{
    private const int RowsPerGroup = 5;

    [Fact]
    public void Recovers_every_whole_row_group_after_truncation_at_every_offset()
    {
        using var t = new TestSupport();
        (string data, long[] ends) = WriteInProgress(t, groups: 3);
        byte[] bytes = File.ReadAllBytes(data);
        byte[] journal = File.ReadAllBytes(data + ".journal");
        string cut = t.PathOf("cut.parquet");
        for (int length = 0; length <= bytes.Length; length++)
        {
            File.WriteAllBytes(cut, bytes.AsSpan(0, length).ToArray());
            File.WriteAllBytes(cut + ".journal", journal);
            RecoveryResult result = ParquetRecovery.Recover(cut);
            long expected = RowsPerGroup * ends.Count(e => e <= length);
            Assert.Equal(expected, result.Rows);
            Assert.Equal(expected, ParquetFooter.Read(cut).Metadata.NumRows);
            Assert.False(File.Exists(cut + ".journal"));
            if (length % 97 == 0 || ends.Contains(length))
            {
                Assert.Equal(expected, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f})", cut)));
                if (expected > 0)
                {
                    Assert.Equal(expected * (expected - 1) / 2, Convert.ToInt64(TestSupport.Scalar("SELECT sum(order_id)::BIGINT FROM read_parquet({f})", cut)));
                }
            }
        }
    }

    [Fact]
    public void Trusts_journal_entries_only_up_to_the_first_torn_one()
    {
        using var t = new TestSupport();
        (string data, long[] ends) = WriteInProgress(t, groups: 3);
        byte[] bytes = File.ReadAllBytes(data);
        byte[] journal = File.ReadAllBytes(data + ".journal");
        int header = journal.Length - (3 * RowGroupJournal.EntrySize);
        string cut = t.PathOf("cut.parquet");
        for (int length = 0; length <= journal.Length; length++)
        {
            File.WriteAllBytes(cut, bytes);
            File.WriteAllBytes(cut + ".journal", journal.AsSpan(0, length).ToArray());
            if (length < header)
            {
                Assert.Throws<InvalidDataException>(() => ParquetRecovery.Recover(cut));
                continue;
            }

            RecoveryResult result = ParquetRecovery.Recover(cut);
            Assert.Equal(RowsPerGroup * ((length - header) / RowGroupJournal.EntrySize), result.Rows);
            Assert.Equal(result.Rows, ParquetFooter.Read(cut).Metadata.NumRows);
        }

        Assert.Equal(3, ends.Length);
    }

    [Fact]
    public void Sink_start_up_renames_a_recovered_file_whose_rename_was_cut_short()
    {
        using var t = new TestSupport();
        (string data, _) = WriteInProgress(t, groups: 2);
        ParquetRecovery.Recover(data);
        Assert.False(File.Exists(data + ".journal"));
        new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = t.PathOf("other.parquet") }).Dispose();
        Assert.False(File.Exists(data));
        Assert.Equal(2 * RowsPerGroup, ParquetFooter.Read(t.PathOf("w.parquet")).Metadata.NumRows);
    }

    [Fact]
    public void Leaves_a_complete_file_untouched()
    {
        using var t = new TestSupport();
        string file = t.PathOf("done.parquet");
        using (var sink = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = file }))
        {
            MarketOrder order = MarketOrder.Make(1);
            sink.TryLog(in order);
        }

        byte[] before = File.ReadAllBytes(file);
        RecoveryResult result = ParquetRecovery.Recover(file);
        Assert.True(result.WasComplete);
        Assert.Equal(before, File.ReadAllBytes(file));
    }

    [Fact]
    public void Sink_killed_with_SIGKILL_at_random_points_keeps_every_flushed_record()
    {
        int seed = Environment.TickCount;
        Console.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (int round = 0; round < 3; round++)
        {
            using var t = new TestSupport();
            int flushes = random.Next(1, 30);
            long flushed = 0;
            using (var child = Process.Start(new ProcessStartInfo("dotnet", [TestSupport.TestProcessDll, t.Directory, "777"]) { RedirectStandardOutput = true })!)
            {
                string? line;
                int seen = 0;
                while ((line = child.StandardOutput.ReadLine()) is not null)
                {
                    if (line.StartsWith("flushed ", StringComparison.Ordinal))
                    {
                        flushed = long.Parse(line.AsSpan(8), provider: null);
                        if (++seen == flushes)
                        {
                            break;
                        }
                    }
                }

                // Let it run on a little past the flush so the kill lands anywhere in the write path.
                Thread.SpinWait(random.Next(0, 5_000_000));
                child.Kill();
                child.WaitForExit();
            }

            Assert.True(flushed > 0, $"the child never flushed (seed {seed})");
            // Start-up recovery of the sink (a file may also have just been completed when the kill landed).
            new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = Path.Combine(t.Directory, "orders-{seq}.parquet") }).Dispose();

            string[] files = t.ParquetFiles();
            Assert.Empty(Directory.GetFiles(t.Directory, "*.inprogress*"));
            long rows = files.Sum(f => ParquetFooter.Read(f).Metadata.NumRows);
            Assert.True(rows >= flushed, $"{rows} rows recovered, {flushed} were flushed (seed {seed})");

            // The rows are exactly orders 0..rows-1: nothing lost in the middle, nothing torn.
            Assert.Equal(rows, Convert.ToInt64(TestSupport.Scalar("SELECT count(DISTINCT order_id) FROM read_parquet({f})", files)));
            Assert.Equal(rows - 1, Convert.ToInt64(TestSupport.Scalar("SELECT max(order_id) FROM read_parquet({f})", files)));
        }
    }

    private static (string Path, long[] Ends) WriteInProgress(TestSupport t, int groups)
    {
        string path = t.PathOf("w.parquet.inprogress");
        var options = new ParquetWriterOptions { Columns = new Dictionary<string, ColumnOptions> { ["symbol"] = new() { Encoding = ParquetEncoding.RleDictionary }, ["order_id"] = new() { Encoding = ParquetEncoding.DeltaBinaryPacked } } };
        var file = new DurableParquetFile(path, MarketOrder.Layout.Schema, options, durable: true);
        var batch = new ColumnBatch(MarketOrder.Layout, RowsPerGroup);
        long[] ends = new long[groups];
        long id = 0;
        for (int g = 0; g < groups; g++)
        {
            for (int r = 0; r < RowsPerGroup; r++)
            {
                MarketOrder order = MarketOrder.Make(id++);
                batch.Append(MemoryMarshal.AsBytes(new ReadOnlySpan<MarketOrder>(in order)));
            }

            RowGroupWriter group = file.BeginRowGroup();
            batch.WriteTo(group);
            file.EndRowGroup(group, RowsPerGroup);
            ends[g] = file.Position;
        }

        file.Dispose();
        return (path, ends);
    }
}
