using System.Buffers.Binary;
using System.Text;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Parquet.Tests;

public sealed class WriterTests
{
    private static (MemoryStream Stream, ParquetFooter Footer) Write(ParquetSchema schema, ParquetWriterOptions? options, Action<ParquetFileWriter> body)
    {
        var stream = new MemoryStream();
        using (var writer = new ParquetFileWriter(stream, schema, options, leaveOpen: true))
        {
            body(writer);
        }

        return (stream, ParquetFooter.Read(stream));
    }

    [Fact]
    public void Empty_file_has_a_schema_and_no_row_groups()
    {
        (MemoryStream stream, ParquetFooter footer) = Write(new ParquetSchema(ColumnDescriptor.Int64("a")), null, _ => { });
        Assert.Equal(0, footer.Metadata.NumRows);
        Assert.Empty(footer.Metadata.RowGroups);
        Assert.Equal("a", footer.Schema[0].Name);
        Assert.True(stream.ToArray().AsSpan(0, 4).SequenceEqual("PAR1"u8));
    }

    [Fact]
    public void The_empty_file_footer_is_the_footer_an_empty_file_gets()
    {
        var schema = new ParquetSchema(ColumnDescriptor.Int64("a"), ColumnDescriptor.String("s", nullable: true), ColumnDescriptor.Int32("u", logicalType: LogicalType.Integer(16, false)));
        var options = new ParquetWriterOptions { KeyValueMetadata = new Dictionary<string, string> { ["k"] = "v" } };
        byte[] file = Write(schema, options, _ => { }).Stream.ToArray();
        int length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 8));
        Assert.Equal(file.AsSpan(file.Length - 8 - length, length).ToArray(), ParquetFileWriter.EmptyFileFooter(schema, options));
    }

    [Fact]
    public void Offset_index_points_at_every_data_page_and_column_index_holds_their_statistics()
    {
        var schema = new ParquetSchema(ColumnDescriptor.Timestamp("ts", TimeUnit.Nanos), ColumnDescriptor.Int32("v", nullable: true));
        long[] ts = Enumerable.Range(0, 10_000).Select(i => 1_000_000L + (i * 7L)).ToArray();
        byte[] levels = Enumerable.Range(0, 10_000).Select(i => (byte)(i % 10 == 0 ? 0 : 1)).ToArray();
        int[] v = Enumerable.Range(0, 10_000).Where(i => i % 10 != 0).Select(i => i % 1000).ToArray();
        (MemoryStream stream, ParquetFooter footer) = Write(schema, new ParquetWriterOptions { MaxRowsPerPage = 1000 }, w =>
        {
            using RowGroupWriter rg = w.BeginRowGroup();
            rg.WriteColumn<long>(0, ts);
            rg.WriteColumn<int>(1, v, levels);
        });

        ColumnChunk tsChunk = footer.Metadata.RowGroups[0].Columns[0];
        IReadOnlyList<(long Offset, PageHeader Header)> pages = ParquetFooter.ReadPageHeaders(stream, tsChunk);
        OffsetIndex offsets = ParquetFooter.ReadOffsetIndex(stream, tsChunk)!;
        ColumnIndex index = ParquetFooter.ReadColumnIndex(stream, tsChunk)!;
        List<(long Offset, PageHeader Header)> dataPages = pages.Where(p => p.Header.Type != PageType.DictionaryPage).ToList();
        Assert.Equal(10, dataPages.Count);
        Assert.Equal(dataPages.Select(p => p.Offset), offsets.PageLocations.Select(l => l.Offset));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * 1000L), offsets.PageLocations.Select(l => l.FirstRowIndex));
        Assert.Equal(BoundaryOrder.Ascending, index.BoundaryOrder);
        Assert.Equal(ts[1000], BinaryPrimitives.ReadInt64LittleEndian(index.MinValues[1]));
        Assert.Equal(ts[1999], BinaryPrimitives.ReadInt64LittleEndian(index.MaxValues[1]));

        ColumnChunk vChunk = footer.Metadata.RowGroups[0].Columns[1];
        ColumnIndex vIndex = ParquetFooter.ReadColumnIndex(stream, vChunk)!;
        Assert.All(vIndex.NullCounts, n => Assert.Equal(100, n));
        Assert.Equal(1000, vChunk.MetaData.Statistics!.NullCount);
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(vChunk.MetaData.Statistics.MinValue));
        Assert.Equal(999, BinaryPrimitives.ReadInt32LittleEndian(vChunk.MetaData.Statistics.MaxValue));
    }

    [Fact]
    public void Row_groups_taken_before_close_rebuild_the_writers_page_index_and_footer_byte_for_byte()
    {
        var schema = new ParquetSchema(ColumnDescriptor.Timestamp("ts", TimeUnit.Nanos), ColumnDescriptor.Int32("v", nullable: true));
        var taken = new List<(byte[] RowGroup, RowGroupPageIndex PageIndex)>();
        long dataEnd = 0;
        (MemoryStream stream, ParquetFooter footer) = Write(schema, new ParquetWriterOptions { MaxRowsPerPage = 100 }, w =>
        {
            for (int g = 0; g < 3; g++)
            {
                using (RowGroupWriter rg = w.BeginRowGroup())
                {
                    rg.WriteColumn<long>(0, Enumerable.Range(0, 250).Select(i => (g * 1000L) + i).ToArray());
                    rg.WriteColumn<int>(1, Enumerable.Range(0, 225).ToArray(), Enumerable.Range(0, 250).Select(i => (byte)(i % 10 == 0 ? 0 : 1)).ToArray());
                }

                (RowGroup metadata, RowGroupPageIndex pageIndex) = w.WrittenRowGroup(g);
                Assert.Null(metadata.Columns[0].ColumnIndexOffset);
                taken.Add((metadata.Serialize(), pageIndex));
            }

            dataEnd = w.Position;
        });

        // What a crash-safe writer does with them: page index after the last row group, then the footer.
        using var rebuilt = new MemoryStream();
        rebuilt.Write(stream.GetBuffer().AsSpan(0, (int)dataEnd));
        List<RowGroup> groups = [.. taken.Select(t => RowGroup.Read(t.RowGroup))];
        RowGroupPageIndex.Write(rebuilt, dataEnd, groups, [.. taken.Select(t => t.PageIndex)]);
        FileMetaData metadata = FileMetaData.Read(footer.Metadata.Serialize());
        metadata.RowGroups.Clear();
        metadata.RowGroups.AddRange(groups);
        byte[] serialized = metadata.Serialize();
        rebuilt.Write(serialized);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, serialized.Length);
        rebuilt.Write(length);
        rebuilt.Write("PAR1"u8);

        Assert.All(groups.SelectMany(g => g.Columns), c => Assert.NotNull(c.ColumnIndexOffset));
        Assert.Equal(stream.ToArray(), rebuilt.ToArray());
    }

    [Fact]
    public void Unsigned_integers_are_ordered_as_unsigned_in_statistics()
    {
        var schema = new ParquetSchema(ColumnDescriptor.Int32("u", logicalType: LogicalType.Integer(32, false)));
        (_, ParquetFooter footer) = Write(schema, null, w =>
        {
            using RowGroupWriter rg = w.BeginRowGroup();
            rg.WriteColumn<uint>(0, [5, uint.MaxValue, 1]);
        });
        Format.Statistics s = footer.Metadata.RowGroups[0].Columns[0].MetaData.Statistics!;
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(s.MinValue));
        Assert.Equal(uint.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(s.MaxValue));
        Assert.Null(s.Min); // legacy fields only for signed order
    }

    [Fact]
    public void Float_statistics_skip_NaN_and_write_signed_zeros()
    {
        var schema = new ParquetSchema(ColumnDescriptor.Double("d"), ColumnDescriptor.Float("f"));
        (_, ParquetFooter footer) = Write(schema, null, w =>
        {
            using RowGroupWriter rg = w.BeginRowGroup();
            rg.WriteColumn<double>(0, [double.NaN, 0.0, 3.5]);
            rg.WriteColumn<float>(1, [0f, float.NaN, 0f]);
        });
        Format.Statistics d = footer.Metadata.RowGroups[0].Columns[0].MetaData.Statistics!;
        Assert.True(double.IsNegative(BinaryPrimitives.ReadDoubleLittleEndian(d.MinValue)));
        Assert.Equal(3.5, BinaryPrimitives.ReadDoubleLittleEndian(d.MaxValue));
        Format.Statistics f = footer.Metadata.RowGroups[0].Columns[1].MetaData.Statistics!;
        Assert.True(float.IsNegative(BinaryPrimitives.ReadSingleLittleEndian(f.MinValue)));
        Assert.True(float.IsPositive(BinaryPrimitives.ReadSingleLittleEndian(f.MaxValue)));
    }

    [Fact]
    public void Byte_array_statistics_compare_unsigned_bytes()
    {
        var schema = new ParquetSchema(ColumnDescriptor.String("s"));
        (_, ParquetFooter footer) = Write(schema, null, w =>
        {
            using RowGroupWriter rg = w.BeginRowGroup();
            rg.WriteStrings(0, ["b", "é", "a", ""]);
        });
        Format.Statistics s = footer.Metadata.RowGroups[0].Columns[0].MetaData.Statistics!;
        Assert.Equal(string.Empty, Encoding.UTF8.GetString(s.MinValue!));
        Assert.Equal("é", Encoding.UTF8.GetString(s.MaxValue!));
    }

    [Fact]
    public void Dictionary_falls_back_to_plain_when_it_outgrows_its_limit()
    {
        var schema = new ParquetSchema(ColumnDescriptor.Int64("x"));
        var options = new ParquetWriterOptions
        {
            DictionaryPageSizeLimit = 800,
            Columns = new Dictionary<string, ColumnOptions> { ["x"] = new() { Encoding = ParquetEncoding.RleDictionary } },
        };
        (_, ParquetFooter footer) = Write(schema, options, w =>
        {
            using RowGroupWriter rg = w.BeginRowGroup();
            for (int batch = 0; batch < 10; batch++)
            {
                rg.WriteColumn<long>(0, Enumerable.Range(batch * 100, 100).Select(i => (long)i).ToArray());
            }
        });
        ColumnMetaData meta = footer.Metadata.RowGroups[0].Columns[0].MetaData;
        Assert.NotNull(meta.DictionaryPageOffset);
        Assert.Contains(meta.EncodingStats!, s => s.Encoding == ParquetEncoding.RleDictionary && s.PageType == PageType.DataPage);
        Assert.Contains(meta.EncodingStats!, s => s.Encoding == ParquetEncoding.Plain && s.PageType == PageType.DataPage);
    }

    [Fact]
    public void Rejected_batches_throw_before_anything_reaches_the_file()
    {
        var schema = new ParquetSchema(ColumnDescriptor.Int64("id"), ColumnDescriptor.FixedLenByteArray("sym", 4), ColumnDescriptor.String("name"), ColumnDescriptor.Int32("small", logicalType: LogicalType.Integer(8, true)));
        var stream = new MemoryStream();
        using var writer = new ParquetFileWriter(stream, schema, leaveOpen: true);
        long before = stream.Length;
        RowGroupWriter rg = writer.BeginRowGroup();
        Assert.Throws<InvalidBatchException>(() => rg.WriteColumn<long>(0, [1, 2, 3], [1, 1]));
        Assert.Throws<InvalidBatchException>(() => rg.WriteColumn<long>(0, [1], [0, 1]));
        Assert.Throws<InvalidBatchException>(() => rg.WriteStrings(2, ["a", null]));
        Assert.Throws<InvalidBatchException>(() => rg.WriteStrings(1, ["TOOLONG"]));
        Assert.Throws<InvalidBatchException>(() => rg.WriteColumn<int>(0, [1]));
        Assert.Throws<InvalidBatchException>(() => rg.WriteColumn<int>(3, [1, 200]));
        int[] long1000 = new int[1000];
        long1000[777] = -129; // past the vector-width bounds check: the one value out of INT(8) is still found and named
        Assert.Contains("value -129 at index 777", Assert.Throws<InvalidBatchException>(() => rg.WriteColumn<int>(3, long1000)).Message, StringComparison.Ordinal);
        Assert.Equal(0, rg.RowsWritten(0));
        Assert.Equal(0, rg.RowsWritten(3));

        rg.WriteColumn<long>(0, [1, 2]);
        rg.WriteStrings(1, ["AB", "CDEF"]);
        rg.WriteStrings(2, ["x", "y"]);
        rg.WriteColumn<int>(3, [1]);
        InvalidBatchException mismatch = Assert.Throws<InvalidBatchException>(rg.End);
        Assert.Contains("same number of rows", mismatch.Message);
        Assert.Equal(before, stream.Length);

        using (RowGroupWriter good = writer.BeginRowGroup())
        {
            good.WriteColumn<long>(0, [7]);
            good.WriteStrings(1, ["Z"]);
            good.WriteStrings(2, ["z"]);
            good.WriteColumn<int>(3, [-128]);
        }

        writer.Close();
        ParquetFooter footer = ParquetFooter.Read(stream);
        Assert.Equal(1, footer.Metadata.NumRows);
    }

    [Theory]
    [InlineData("price", "price")]
    [InlineData("Price", "price")]
    public void Schemas_with_duplicate_names_are_rejected(string first, string second)
    {
        SchemaException e = Assert.Throws<SchemaException>(() => new ParquetSchema(ColumnDescriptor.Int64(first), ColumnDescriptor.Int64(second)));
        Assert.Contains(second, e.Message);
    }

    [Fact]
    public void Logical_types_that_do_not_fit_their_physical_type_are_rejected()
    {
        Assert.Throws<SchemaException>(() => new ParquetSchema(ColumnDescriptor.Int32("t", logicalType: LogicalType.Timestamp(TimeUnit.Micros))));
        Assert.Throws<SchemaException>(() => new ParquetSchema(ColumnDescriptor.Int32("d", logicalType: LogicalType.Decimal(10, 2))));
        Assert.Throws<SchemaException>(() => new ParquetSchema(ColumnDescriptor.FixedLenByteArray("d", 4, logicalType: LogicalType.Decimal(10, 2))));
        Assert.Throws<SchemaException>(() => new ParquetSchema(ColumnDescriptor.FixedLenByteArray("f", 0)));
        Assert.Throws<SchemaException>(() => new ParquetSchema(ColumnDescriptor.Int64("s", logicalType: LogicalType.String())));
        _ = new ParquetSchema(ColumnDescriptor.FixedLenByteArray("d", 4, logicalType: LogicalType.Decimal(9, 2)));
    }

    [Fact]
    public void Pages_close_at_the_row_limit_and_the_byte_limit()
    {
        var schema = new ParquetSchema(ColumnDescriptor.Int64("x"), ColumnDescriptor.ByteArray("b"));
        var options = new ParquetWriterOptions
        {
            MaxRowsPerPage = 300,
            DataPageSize = 4096,
            Columns = new Dictionary<string, ColumnOptions> { ["x"] = new() { Encoding = ParquetEncoding.Plain }, ["b"] = new() { Encoding = ParquetEncoding.Plain } },
        };
        (MemoryStream stream, ParquetFooter footer) = Write(schema, options, w =>
        {
            using RowGroupWriter rg = w.BeginRowGroup();
            rg.WriteColumn<long>(0, new long[1000]);
            rg.WriteByteArrays(1, new byte[1000 * 100], Enumerable.Range(0, 1001).Select(i => i * 100).ToArray());
        });
        var xPages = ParquetFooter.ReadPageHeaders(stream, footer.Metadata.RowGroups[0].Columns[0]);
        Assert.Equal(new[] { 300, 300, 300, 100 }, xPages.Select(p => p.Header.DataPageHeader!.NumValues));
        var bPages = ParquetFooter.ReadPageHeaders(stream, footer.Metadata.RowGroups[0].Columns[1]);
        // 104 bytes per value (length prefix + 100): a page closes once it reaches 4 KiB, so 40 values each.
        Assert.All(bPages.SkipLast(1), p => Assert.Equal(40, p.Header.DataPageHeader!.NumValues));
        Assert.Equal(1000, bPages.Sum(p => p.Header.DataPageHeader!.NumValues));
    }

    [Fact]
    public void Not_a_parquet_file_is_reported_clearly()
    {
        var e = Assert.Throws<ParquetFormatException>(() => ParquetFooter.Read(new MemoryStream(Encoding.ASCII.GetBytes("hello, this is not parquet"))));
        Assert.Contains("not a Parquet file", e.Message);
        var stream = new MemoryStream();
        using (var w = new ParquetFileWriter(stream, new ParquetSchema(ColumnDescriptor.Int32("a")), leaveOpen: true))
        {
            using RowGroupWriter rg = w.BeginRowGroup();
            rg.WriteColumn<int>(0, [1, 2, 3]);
        }

        var cut = new MemoryStream(stream.ToArray()[..^5]);
        Assert.Contains("no footer", Assert.Throws<ParquetFormatException>(() => ParquetFooter.Read(cut)).Message);
    }

    [Fact]
    public void A_page_of_only_NaN_leaves_the_chunk_without_a_column_index_but_keeps_its_offset_index_and_bounds()
    {
        var schema = new ParquetSchema(ColumnDescriptor.Double("x"));
        (MemoryStream stream, ParquetFooter footer) = Write(schema, new ParquetWriterOptions { MaxRowsPerPage = 2 }, w =>
        {
            using RowGroupWriter rg = w.BeginRowGroup();
            rg.WriteColumn<double>(0, [double.NaN, double.NaN, 1.5, -2.5]);
        });
        ColumnChunk chunk = footer.Metadata.RowGroups[0].Columns[0];
        Assert.Null(ParquetFooter.ReadColumnIndex(stream, chunk));
        Assert.Equal(2, ParquetFooter.ReadOffsetIndex(stream, chunk)!.PageLocations.Count);
        // NaN takes no part in statistics: the chunk's bounds are those of its other values.
        Assert.Equal(-2.5, BinaryPrimitives.ReadDoubleLittleEndian(chunk.MetaData.Statistics!.MinValue));
        Assert.Equal(1.5, BinaryPrimitives.ReadDoubleLittleEndian(chunk.MetaData.Statistics.MaxValue));
    }

    [Fact]
    public void Values_over_the_statistics_size_limit_leave_min_and_max_out_of_the_chunk()
    {
        var schema = new ParquetSchema(ColumnDescriptor.String("s"));
        var options = new ParquetWriterOptions { MaxRowsPerPage = 2, MaxStatisticsSize = 8 };
        (MemoryStream stream, ParquetFooter footer) = Write(schema, options, w =>
        {
            using RowGroupWriter rg = w.BeginRowGroup();
            rg.WriteStrings(0, ["a", "b", "a very long value", "c"]);
        });
        ColumnChunk chunk = footer.Metadata.RowGroups[0].Columns[0];
        Assert.Null(chunk.MetaData.Statistics!.MinValue);
        Assert.Equal(0, chunk.MetaData.Statistics.NullCount);
        Assert.Null(ParquetFooter.ReadColumnIndex(stream, chunk));
    }

    [Fact]
    public void Dictionary_indices_stay_consistent_when_small_and_large_values_mix_across_batches()
    {
        var schema = new ParquetSchema(ColumnDescriptor.Int64("x"));
        var options = new ParquetWriterOptions
        {
            Compression = CompressionCodec.Uncompressed,
            Columns = new Dictionary<string, ColumnOptions> { ["x"] = new() { Encoding = ParquetEncoding.RleDictionary } },
        };
        long[][] batches = [[1, 2, 3, 3], [5000, -1, 2, 4095], [3, 4096, 1, -1], [0, 0, 5000, 7]];
        (MemoryStream stream, ParquetFooter footer) = Write(schema, options, w =>
        {
            using RowGroupWriter rg = w.BeginRowGroup();
            foreach (long[] batch in batches)
            {
                rg.WriteColumn<long>(0, batch);
            }
        });

        byte[] file = stream.ToArray();
        var pages = ParquetFooter.ReadPageHeaders(stream, footer.Metadata.RowGroups[0].Columns[0]);
        (long dictOffset, PageHeader dictHeader) = pages[0];
        Assert.Equal(PageType.DictionaryPage, dictHeader.Type);
        int dictStart = (int)dictOffset + HeaderLength(file, dictOffset);
        long[] dictionary = Enumerable.Range(0, dictHeader.DictionaryPageHeader!.NumValues)
            .Select(i => BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(dictStart + (8 * i)))).ToArray();
        Assert.Equal(dictionary.Length, dictionary.Distinct().Count());

        var decoded = new List<long>();
        foreach ((long offset, PageHeader header) in pages.Skip(1))
        {
            int body = (int)offset + HeaderLength(file, offset);
            int bitWidth = file[body];
            decoded.AddRange(Decoders.RleHybrid(file.AsSpan(body + 1, header.CompressedPageSize - 1), bitWidth, header.DataPageHeader!.NumValues).Select(i => dictionary[i]));
        }

        Assert.Equal(batches.SelectMany(b => b), decoded);
    }

    private static int HeaderLength(byte[] file, long offset) => ParquetFooter.ReadPageHeader(file.AsSpan((int)offset)).Length;

    [Theory]
    [InlineData(ParquetEncoding.Plain)]
    [InlineData(ParquetEncoding.DeltaBinaryPacked)]
    [InlineData(ParquetEncoding.ByteStreamSplit)]
    [InlineData(null)]
    public void Pages_a_batch_fills_alone_are_encoded_from_the_callers_buffer_into_the_same_bytes(ParquetEncoding? encoding)
    {
        // One 50,000-row batch fills whole 2,000-row pages, which the writer encodes straight from the caller's span;
        // 777-row batches never fill a page alone, so each page's values are first copied into the writer. The files
        // must be byte for byte the same, whatever the encoding (null: the automatic choice, dictionary included).
        var schema = new ParquetSchema(ColumnDescriptor.Int64("wide"), ColumnDescriptor.Int32("maybe", nullable: true), ColumnDescriptor.Double("d"));
        const int Rows = 50_000;
        long[] wide = [.. Enumerable.Range(0, Rows).Select(i => 1_700_000_000_000L + (i * 3L) + (i % 5))];
        byte[] levels = [.. Enumerable.Range(0, Rows).Select(i => (byte)(i % 9 == 0 ? 0 : 1))];
        int[] maybe = [.. Enumerable.Range(0, Rows).Where(i => i % 9 != 0).Select(i => i % 3000)];
        double[] d = [.. Enumerable.Range(0, Rows).Select(i => i * 0.25)];
        var columns = new Dictionary<string, ColumnOptions>();
        if (encoding is { } chosen)
        {
            // Byte-stream split for the double only, delta for the integers only.
            ParquetEncoding integers = chosen == ParquetEncoding.ByteStreamSplit ? ParquetEncoding.Plain : chosen;
            columns["wide"] = new ColumnOptions { Encoding = integers };
            columns["maybe"] = new ColumnOptions { Encoding = integers };
            columns["d"] = new ColumnOptions { Encoding = chosen == ParquetEncoding.DeltaBinaryPacked ? ParquetEncoding.Plain : chosen };
        }

        var options = new ParquetWriterOptions { MaxRowsPerPage = 2000, Columns = columns };
        byte[] File(int batch) => Write(schema, options, w =>
        {
            using RowGroupWriter rg = w.BeginRowGroup();
            int value = 0;
            for (int row = 0; row < Rows; row += batch)
            {
                int n = Math.Min(batch, Rows - row);
                ReadOnlySpan<byte> rowLevels = levels.AsSpan(row, n);
                int present = rowLevels.Count((byte)1);
                rg.WriteColumn<long>(0, wide.AsSpan(row, n));
                rg.WriteColumn<int>(1, maybe.AsSpan(value, present), rowLevels);
                rg.WriteColumn<double>(2, d.AsSpan(row, n));
                value += present;
            }
        }).Stream.ToArray();

        byte[] whole = File(Rows);
        Assert.Equal(File(777), whole);
        Assert.Equal(Rows / 2000, ParquetFooter.Read(new MemoryStream(whole)).Metadata.RowGroups[0].Columns[0].MetaData.EncodingStats!.Where(s => s.PageType != PageType.DictionaryPage).Sum(s => s.Count));
    }

    [Fact]
    public void Row_groups_after_the_first_allocate_no_buffers_only_their_metadata()
    {
        // A log sink writes row groups for days on its writer thread; garbage there means GC pauses that stop the hot
        // threads too. Columns with the automatic encoding choice (integers, strings) sample every chunk.
        var schema = new ParquetSchema(ColumnDescriptor.Int32("small"), ColumnDescriptor.Int64("wide"), ColumnDescriptor.String("text"));
        const int Rows = 65_536;
        int[] small = [.. Enumerable.Range(0, Rows).Select(i => i % 7)];
        long[] wide = [.. Enumerable.Range(0, Rows).Select(i => (long)i * 7919 % 1_000_003)];
        byte[] text = [.. Enumerable.Range(0, Rows).SelectMany(i => "s"u8.ToArray().Append((byte)('a' + (i % 20))))];
        int[] offsets = [.. Enumerable.Range(0, Rows + 1).Select(i => i * 2)];
        long[] allocated = new long[6];
        using var writer = new ParquetFileWriter(Stream.Null, schema, new ParquetWriterOptions { Compression = CompressionCodec.Snappy });
        for (int g = 0; g < allocated.Length; g++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            using (RowGroupWriter rg = writer.BeginRowGroup())
            {
                rg.WriteColumn<int>(0, small);
                rg.WriteColumn<long>(1, wide);
                rg.WriteByteArrays(2, text, offsets);
            }

            allocated[g] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        // Footer entries, statistics and page indexes of 65,536-row groups take a few KiB; buffers would take hundreds.
        Assert.All(allocated[2..], a => Assert.True(a < 24 << 10, $"a steady-state row group allocated {a:N0} bytes: [{string.Join(", ", allocated)}]"));
    }
}
