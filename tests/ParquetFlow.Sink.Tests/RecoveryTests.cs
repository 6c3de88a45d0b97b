using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using ParquetFlow.Durability;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Sink.TestProcess;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Sink.Tests;

public sealed class RecoveryTests
{
    private const int RowsPerGroup = 5;
    private const int Columns = 8;

    // Two rows a page: every column chunk has several pages, so the page index has something to say.
    private static readonly ParquetWriterOptions s_options = new()
    {
        MaxRowsPerPage = 2,
        Columns = new Dictionary<string, ColumnOptions> { ["symbol"] = new() { Encoding = ParquetEncoding.RleDictionary }, ["order_id"] = new() { Encoding = ParquetEncoding.DeltaBinaryPacked } },
    };

    [Theory]
    [InlineData(2)]
    [InlineData(1)]
    public void Recovers_every_whole_row_group_after_truncation_at_every_offset(int journalVersion)
    {
        using var t = new TestSupport();
        (byte[] bytes, byte[] journal, long[] ends) = InProgressBytes(t);
        journal = journalVersion == 2 ? journal : Version1Journal(ends);
        byte[][] complete = CompleteFiles(t, ends.Length);
        string cut = t.PathOf("cut.parquet");
        for (int length = 0; length <= bytes.Length; length++)
        {
            // Version 2 (what the sink writes) at every offset; the version-1 journal, which the sink only still reads, at
            // every offset near a row group's end, where a cut changes what survives, and at every 13th elsewhere.
            if (journalVersion == 1 && length % 13 != 0 && !ends.Any(e => Math.Abs(e - length) <= 16))
            {
                continue;
            }

            File.WriteAllBytes(cut, bytes.AsSpan(0, length).ToArray());
            File.WriteAllBytes(cut + ".journal", journal);
            RecoveryResult result = ParquetRecovery.Recover(cut);
            int kept = ends.Count(e => e <= length);
            long expected = RowsPerGroup * kept;
            Assert.Equal(expected, result.Rows);
            Assert.Equal(expected, ParquetFooter.Read(cut).Metadata.NumRows);
            Assert.False(File.Exists(cut + ".journal"));
            if (journalVersion == 2)
            {
                // Byte for byte the file the sink completes after the same row groups: same footer, statistics, page index.
                Assert.Equal(complete[kept], File.ReadAllBytes(cut));
            }
            else
            {
                // A version-1 journal has no metadata: the footer is rebuilt from the pages, without statistics or page index.
                Assert.All(ParquetFooter.Read(cut).Metadata.RowGroups.SelectMany(g => g.Columns), c =>
                {
                    Assert.Null(c.MetaData.Statistics);
                    Assert.Null(c.ColumnIndexOffset);
                    Assert.Null(c.OffsetIndexOffset);
                });
            }

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
    public void A_flipped_byte_in_a_journaled_row_group_cuts_the_file_back_before_it_and_says_so()
    {
        // The journal says the second row group is durable, but a byte of its page data changed on disk: its page
        // CRC no longer matches, so recovery keeps only the first row group and names the damaged page.
        using var t = new TestSupport();
        (byte[] bytes, byte[] journal, long[] ends) = InProgressBytes(t);
        byte[][] complete = CompleteFiles(t, ends.Length);
        bytes[ends[1] - 1] ^= 0x01;   // the last byte of the second row group: its last column's last page's data
        string cut = t.PathOf("flipped.parquet");
        File.WriteAllBytes(cut, bytes);
        File.WriteAllBytes(cut + ".journal", journal);

        RecoveryResult result = ParquetRecovery.Recover(cut);
        Assert.Equal(1, result.RowGroups);
        Assert.Contains("row group 1", result.DamagedPage, StringComparison.Ordinal);
        Assert.Contains("does not match the CRC-32", result.DamagedPage, StringComparison.Ordinal);
        Assert.Equal(complete[1], File.ReadAllBytes(cut));
    }

    [Fact]
    public void Reports_progress_after_each_row_group_up_to_the_end_of_what_it_kept()
    {
        using var t = new TestSupport();
        (byte[] bytes, byte[] journal, long[] ends) = InProgressBytes(t);
        string cut = t.PathOf("progress.parquet");
        long length = ends[^1] + 3; // unfinished bytes after the last journaled row group
        File.WriteAllBytes(cut, bytes.AsSpan(0, (int)Math.Min(length, bytes.Length)).ToArray());
        File.WriteAllBytes(cut + ".journal", journal);
        var reported = new List<long>();
        RecoveryResult result = ParquetRecovery.Recover(cut, progress: new Recorder(reported));
        Assert.Equal(ends.Length, result.RowGroups);
        Assert.Equal(ends, reported); // one report per kept row group: the offset it ends at

        // A complete file: every row group's pages are checked, and the reports end at the last one's end.
        string complete = WriteComplete(t, 3);
        reported.Clear();
        Assert.True(ParquetRecovery.Recover(complete, progress: new Recorder(reported)).WasComplete);
        Assert.Equal(3, reported.Count);
        Assert.True(reported.SequenceEqual(reported.Order()) && reported[^1] <= new FileInfo(complete).Length, string.Join(", ", reported));
        RowGroup last = ParquetFooter.Read(complete).Metadata.RowGroups[^1];
        Assert.Equal(last.FileOffset!.Value + last.TotalCompressedSize!.Value, reported[^1]);
    }

    /// <summary>Records every report synchronously (not <see cref="Progress{T}"/>, which posts to the thread pool).</summary>
    private sealed class Recorder(List<long> values) : IProgress<long>
    {
        public void Report(long value) => values.Add(value);
    }

    [Fact]
    public void A_complete_file_with_a_flipped_byte_is_left_untouched_and_reported()
    {
        using var t = new TestSupport();
        string path = WriteComplete(t, 2);
        byte[] bytes = File.ReadAllBytes(path);
        ParquetFooter footer = ParquetFooter.Read(path);
        bytes[footer.Metadata.RowGroups[0].FileOffset!.Value + footer.Metadata.RowGroups[0].TotalCompressedSize!.Value - 1] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        RecoveryResult result = ParquetRecovery.Recover(path);
        Assert.True(result.WasComplete);
        Assert.Contains("row group 0", result.DamagedPage, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void Trusts_journal_entries_only_up_to_the_first_torn_one()
    {
        using var t = new TestSupport();
        (byte[] bytes, byte[] journal, long[] ends) = InProgressBytes(t);
        List<int> entryEnds = EntryEnds(journal);
        Assert.Equal(ends.Length + 1, entryEnds.Count);
        Assert.Equal(journal.Length, entryEnds[^1]);
        byte[][] complete = CompleteFiles(t, ends.Length);
        string cut = t.PathOf("cut.parquet");
        for (int length = 0; length <= journal.Length; length += TestScale.Stride)
        {
            File.WriteAllBytes(cut, bytes);
            File.WriteAllBytes(cut + ".journal", journal.AsSpan(0, length).ToArray());
            if (length < entryEnds[0])
            {
                Assert.Throws<InvalidDataException>(() => ParquetRecovery.Recover(cut));
                continue;
            }

            int kept = entryEnds.Count(e => e <= length) - 1;
            RecoveryResult result = ParquetRecovery.Recover(cut);
            Assert.Equal(RowsPerGroup * kept, result.Rows);
            Assert.Equal(complete[kept], File.ReadAllBytes(cut));
        }
    }

    [Fact]
    public void Recovered_row_groups_carry_the_statistics_and_page_index_of_the_uncut_file()
    {
        using var t = new TestSupport();
        (byte[] bytes, byte[] journal, long[] ends) = InProgressBytes(t);
        string uncut = WriteComplete(t, ends.Length);
        FileMetaData whole = ParquetFooter.Read(uncut).Metadata;
        using var uncutStream = File.OpenRead(uncut);
        for (int k = 0; k <= ends.Length; k++)
        {
            // Cut halfway into row group k (or nowhere, for k = 3): k whole row groups survive.
            long length = k == ends.Length ? bytes.Length : (k == 0 ? 4 : ends[k - 1]) + ((ends[k] - (k == 0 ? 4 : ends[k - 1])) / 2);
            string cut = t.PathOf($"cut-{k}.parquet");
            File.WriteAllBytes(cut, bytes.AsSpan(0, (int)length).ToArray());
            File.WriteAllBytes(cut + ".journal", journal);
            Assert.Equal(k, ParquetRecovery.Recover(cut).RowGroups);

            FileMetaData recovered = ParquetFooter.Read(cut).Metadata;
            using var cutStream = File.OpenRead(cut);
            Assert.Equal(k, recovered.RowGroups.Count);
            for (int g = 0; g < k; g++)
            {
                for (int c = 0; c < Columns; c++)
                {
                    ColumnChunk expected = whole.RowGroups[g].Columns[c];
                    ColumnChunk actual = recovered.RowGroups[g].Columns[c];
                    string where = $"row group {g} column {c}";
                    Assert.NotNull(expected.MetaData.Statistics?.MinValue);
                    Assert.Equal(Text(expected.MetaData.Statistics), Text(actual.MetaData.Statistics ?? throw new Xunit.Sdk.XunitException($"{where}: no statistics")));

                    ColumnIndex wantIndex = ParquetFooter.ReadColumnIndex(uncutStream, expected)!;
                    Assert.True(wantIndex.NullPages.Count > 1, $"{where}: one page only");
                    Assert.Equal(Text(wantIndex), Text(ParquetFooter.ReadColumnIndex(cutStream, actual) ?? throw new Xunit.Sdk.XunitException($"{where}: no column index")));

                    OffsetIndex wantOffsets = ParquetFooter.ReadOffsetIndex(uncutStream, expected)!;
                    OffsetIndex gotOffsets = ParquetFooter.ReadOffsetIndex(cutStream, actual) ?? throw new Xunit.Sdk.XunitException($"{where}: no offset index");
                    Assert.Equal(wantOffsets.PageLocations, gotOffsets.PageLocations);
                    Assert.Equal(ParquetFooter.ReadPageHeaders(cutStream, actual).Where(p => p.Header.Type != PageType.DictionaryPage).Select(p => p.Offset), gotOffsets.PageLocations.Select(l => l.Offset));
                }
            }

            // An independent reader reads the rows and sees the same statistics in both files.
            const string Stats = "SELECT count(stats_min_value)::VARCHAR || ' ' || coalesce(string_agg(concat_ws(':', row_group_id, column_id, coalesce(stats_min_value, '-'), coalesce(stats_max_value, '-'), coalesce(stats_null_count::VARCHAR, '-')), ';' ORDER BY row_group_id, column_id), '') FROM parquet_metadata({f})";
            Assert.Equal(TestSupport.Scalar(Stats + $" WHERE row_group_id < {k}", uncut), TestSupport.Scalar(Stats, cut));
            Assert.StartsWith($"{k * Columns} ", (string)TestSupport.Scalar(Stats, cut)!, StringComparison.Ordinal);
            long rows = k * RowsPerGroup;
            Assert.Equal(rows, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f})", cut)));
            Assert.Equal(rows * (rows - 1) / 2, Convert.ToInt64(TestSupport.Scalar("SELECT coalesce(sum(order_id), 0)::BIGINT FROM read_parquet({f})", cut)));
        }
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

    [Theory]
    [InlineData("records")]
    [InlineData("columns")] // column batches of up to 2,048 rows across row groups of 500: the kill lands mid-batch too
    public void Sink_killed_with_SIGKILL_at_random_points_keeps_every_flushed_record(string mode)
    {
        int seed = Environment.TickCount;
        Console.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (int round = 0; round < 3; round++)
        {
            using var t = new TestSupport();
            int flushes = random.Next(1, 30);
            long flushed = 0;
            using (var child = Process.Start(TestSupport.TestProcess(t.Directory, "777", mode))!)
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

            // Recovered or completed, every chunk has statistics and a page index.
            Assert.All(files.SelectMany(f => ParquetFooter.Read(f).Metadata.RowGroups).SelectMany(g => g.Columns), c =>
            {
                Assert.NotNull(c.MetaData.Statistics?.MinValue);
                Assert.NotNull(c.ColumnIndexOffset);
                Assert.NotNull(c.OffsetIndexOffset);
            });
            long rows = files.Sum(f => ParquetFooter.Read(f).Metadata.NumRows);
            Assert.True(rows >= flushed, $"{rows} rows recovered, {flushed} were flushed (seed {seed})");

            // The rows are exactly orders 0..rows-1: nothing lost in the middle, nothing torn.
            Assert.Equal(rows, Convert.ToInt64(TestSupport.Scalar("SELECT count(DISTINCT order_id) FROM read_parquet({f})", files)));
            Assert.Equal(rows - 1, Convert.ToInt64(TestSupport.Scalar("SELECT max(order_id) FROM read_parquet({f})", files)));
        }
    }

    /// <summary>A file left in progress after <paramref name="groups"/> row groups, with its journal; and where each group ends.</summary>
    private static (string Path, long[] Ends) WriteInProgress(TestSupport t, int groups)
    {
        string path = t.PathOf("w.parquet.inprogress");
        var file = new DurableParquetFile(path, MarketOrder.Layout.Schema, s_options, durable: true, Storage.Default, DateTime.UtcNow);
        long[] ends = WriteGroups(file, groups);
        file.Dispose();
        return (path, ends);
    }

    /// <summary>The bytes of a file left in progress after three row groups and of its journal; and where each group ends.</summary>
    private static (byte[] Data, byte[] Journal, long[] Ends) InProgressBytes(TestSupport t)
    {
        (string data, long[] ends) = WriteInProgress(t, groups: 3);
        return (File.ReadAllBytes(data), File.ReadAllBytes(data + ".journal"), ends);
    }

    /// <summary>Element k: the bytes of the file the sink completes after the first k row groups, for k = 0 .. <paramref name="groups"/>.</summary>
    private static byte[][] CompleteFiles(TestSupport t, int groups) => [.. Enumerable.Range(0, groups + 1).Select(k => File.ReadAllBytes(WriteComplete(t, k)))];

    /// <summary>The same first <paramref name="groups"/> row groups in a file the sink completed: what recovery must give.</summary>
    private static string WriteComplete(TestSupport t, int groups)
    {
        string path = t.PathOf($"complete-{groups}.parquet");
        using var file = new DurableParquetFile(path + ParquetRecovery.InProgressSuffix, MarketOrder.Layout.Schema, s_options, durable: true, Storage.Default, DateTime.UtcNow);
        WriteGroups(file, groups);
        file.Complete(path);
        return path;
    }

    private static long[] WriteGroups(DurableParquetFile file, int groups)
    {
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
            batch.Clear();
            file.EndRowGroup(group, RowsPerGroup);
            ends[g] = file.Position;
        }

        return ends;
    }

    private static string Text(Statistics s) => $"min {Hex(s.MinValue)} max {Hex(s.MaxValue)} legacy {Hex(s.Min)}..{Hex(s.Max)} nulls {s.NullCount}";

    private static string Text(ColumnIndex i) =>
        $"{i.BoundaryOrder} null pages [{string.Join(',', i.NullPages)}] null counts [{string.Join(',', i.NullCounts)}] min [{string.Join(',', i.MinValues.Select(Hex))}] max [{string.Join(',', i.MaxValues.Select(Hex))}]";

    private static string Hex(byte[]? bytes) => bytes is null ? "-" : Convert.ToHexString(bytes);

    /// <summary>Where the header and each entry of a version-2 journal end, read by the layout in docs/formats.md.</summary>
    private static List<int> EntryEnds(byte[] journal)
    {
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(journal.AsSpan(4)));
        var ends = new List<int> { 12 + BinaryPrimitives.ReadInt32LittleEndian(journal.AsSpan(8)) + 4 };
        while (ends[^1] < journal.Length)
        {
            ends.Add(ends[^1] + 32 + BinaryPrimitives.ReadInt32LittleEndian(journal.AsSpan(ends[^1] + 28)) + 4);
        }

        return ends;
    }

    /// <summary>The version-1 journal of the row groups ending at <paramref name="ends"/>, written by the layout in docs/formats.md.</summary>
    private static byte[] Version1Journal(long[] ends)
    {
        byte[] template = DurableParquetFile.FooterTemplate(MarketOrder.Layout.Schema, s_options);
        byte[] journal = new byte[12 + template.Length + 4 + (32 * ends.Length)];
        "PQFJ"u8.CopyTo(journal);
        BinaryPrimitives.WriteUInt16LittleEndian(journal.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(journal.AsSpan(6), (ushort)s_options.Compression);
        BinaryPrimitives.WriteInt32LittleEndian(journal.AsSpan(8), template.Length);
        template.CopyTo(journal.AsSpan(12));
        int at = 12 + template.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(journal.AsSpan(at), RowGroupJournal.Crc(journal.AsSpan(0, at)));
        at += 4;
        for (int g = 0; g < ends.Length; g++, at += 32)
        {
            long start = g == 0 ? 4 : ends[g - 1];
            Span<byte> entry = journal.AsSpan(at, 32);
            BinaryPrimitives.WriteInt64LittleEndian(entry, start);
            BinaryPrimitives.WriteInt64LittleEndian(entry[8..], ends[g] - start);
            BinaryPrimitives.WriteInt64LittleEndian(entry[16..], RowsPerGroup);
            BinaryPrimitives.WriteInt32LittleEndian(entry[24..], g);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[28..], RowGroupJournal.Crc(entry[..28]));
        }

        return journal;
    }
}
