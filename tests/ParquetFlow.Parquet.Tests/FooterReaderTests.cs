using System.Buffers.Binary;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.IO;
using ParquetFlow.Parquet.Schema;
using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Tests;

/// <summary>The footer and page-header reader on bytes it did not write: every refusal a <see cref="ParquetFormatException"/>.</summary>
public sealed class FooterReaderTests
{
    /// <summary>A whole file around <paramref name="footer"/>: magic, <paramref name="body"/>, footer, its length, magic.</summary>
    private static MemoryStream FileWith(ReadOnlySpan<byte> footer, ReadOnlySpan<byte> body = default)
    {
        var stream = new MemoryStream();
        stream.Write("PAR1"u8);
        stream.Write(body);
        stream.Write(footer);
        Span<byte> tail = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tail, footer.Length);
        "PAR1"u8.CopyTo(tail[4..]);
        stream.Write(tail);
        stream.Position = 0;
        return stream;
    }

    private static byte[] Thrift(Action<ThriftCompactWriterBox> write)
    {
        using var buffer = new ByteBuffer();
        var box = new ThriftCompactWriterBox(buffer);
        write(box);
        return buffer.WrittenSpan.ToArray();
    }

    private static FileMetaData ValidFooter()
    {
        var meta = new FileMetaData { NumRows = 1, CreatedBy = "test" };
        meta.Schema.Add(new SchemaElement { Name = "schema", NumChildren = 1 });
        meta.Schema.Add(new SchemaElement { Name = "v", Type = PhysicalType.Int64, RepetitionType = Repetition.Required });
        var chunk = new ColumnChunk { FileOffset = 4 };
        chunk.MetaData.Type = PhysicalType.Int64;
        chunk.MetaData.PathInSchema.Add("v");
        chunk.MetaData.Encodings.Add(ParquetEncoding.Plain);
        chunk.MetaData.NumValues = 1;
        chunk.MetaData.DataPageOffset = 4;
        var group = new RowGroup { NumRows = 1 };
        group.Columns.Add(chunk);
        meta.RowGroups.Add(group);
        return meta;
    }

    [Fact]
    public void A_30_byte_footer_declaring_a_huge_boolean_list_is_refused_without_allocating_it()
    {
        // FileMetaData.row_groups[1] -> RowGroup.columns[1] -> ColumnChunk.meta_data -> ColumnMetaData.key_value_metadata:
        // a list header with the boolean element type and a count of 2^31 - 1, the case that asked for gigabytes.
        byte[] footer =
        [
            0x15, 0x04,             // version = 2
            0x49, 0x1C,             // field 4 (row_groups): list of 1 struct
            0x19, 0x1C,             // RowGroup field 1 (columns): list of 1 struct
            0x3C,                   // ColumnChunk field 3 (meta_data): struct
            0x89,                   // ColumnMetaData field 8 (key_value_metadata): list
            0xF1, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, // long list header: boolean elements, count 2^31 - 1
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        Assert.Equal(30, footer.Length);
        long before = GC.GetAllocatedBytesForCurrentThread();
        ParquetFormatException e = Assert.Throws<ParquetFormatException>(() => FileMetaData.Read(footer));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("cannot fit", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1024 * 1024, $"refusing a 30-byte footer allocated {allocated:N0} bytes");
    }

    [Theory]
    [InlineData(1)] // boolean
    [InlineData(5)] // i32
    [InlineData(12)] // struct
    [InlineData(8)] // binary
    public void Every_list_count_is_bounded_by_the_bytes_that_remain(int elementType)
    {
        byte[] bytes = [(byte)(0xF0 | elementType), 0x80, 0x80, 0x80, 0x80, 0x01, 0x01, 0x01];
        var e = Assert.Throws<ParquetFormatException>(() =>
        {
            var r = new ThriftCompactReader(bytes, stackalloc short[ThriftCompactReader.MaxDepth]);
            r.ReadListHeader(out _, out _);
        });
        Assert.Contains("268435456 elements cannot fit in the 2 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_map_count_is_bounded_by_the_bytes_that_remain()
    {
        // An unknown field 20 holding a map of 2^28 i32 -> i32 entries, followed by two bytes.
        byte[] bytes = [0x0B, 0x28, 0x80, 0x80, 0x80, 0x80, 0x01, 0x55, 0x02, 0x02];
        var e = Assert.Throws<ParquetFormatException>(() => FileMetaData.Read(bytes));
        Assert.Contains("map of 268435456 entries cannot fit", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lists_nested_without_end_are_refused_before_the_stack_runs_out()
    {
        // Field 20 of unknown type list, whose one element is a list, whose one element is a list, ... 100,000 deep.
        byte[] bytes = new byte[100_002];
        bytes[0] = 0x09;
        bytes[1] = 0x28;
        bytes.AsSpan(2).Fill(0x19);
        var e = Assert.Throws<ParquetFormatException>(() => FileMetaData.Read(bytes));
        Assert.Contains("nested more than", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zeroed_footer_is_refused_not_read_as_an_empty_file()
    {
        using MemoryStream file = FileWith(new byte[512], new byte[64]);
        var e = Assert.Throws<ParquetFormatException>(() => ParquetFooter.Read(file));
        Assert.Contains("corrupt footer", e.Message, StringComparison.Ordinal);
        Assert.Contains("FileMetaData lacks its required field version (1)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("version")]
    [InlineData("schema")]
    [InlineData("num_rows")]
    [InlineData("row_groups")]
    public void A_footer_without_a_required_field_names_it(string field)
    {
        byte[] footer = Thrift(w =>
        {
            w.StructBegin();
            if (field != "version")
            {
                w.FieldI32(1, 2);
            }

            if (field != "schema")
            {
                w.FieldListBegin(2, CompactType.Struct, 1);
                w.StructBegin();
                w.FieldString(4, "schema");
                w.FieldI32(5, 0);
                w.StructEnd();
            }

            if (field != "num_rows")
            {
                w.FieldI64(3, 0);
            }

            if (field != "row_groups")
            {
                w.FieldListBegin(4, CompactType.Struct, 0);
            }

            w.StructEnd();
        });
        var e = Assert.Throws<ParquetFormatException>(() => FileMetaData.Read(footer));
        Assert.Contains($"FileMetaData lacks its required field {field}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_required_field_of_the_wrong_type_is_skipped_and_then_missed()
    {
        // num_rows (field 3) written as a string: skipped as an unknown field would be, then reported missing.
        byte[] footer = Thrift(w =>
        {
            w.StructBegin();
            w.FieldI32(1, 2);
            w.FieldListBegin(2, CompactType.Struct, 1);
            w.StructBegin();
            w.FieldString(4, "schema");
            w.StructEnd();
            w.FieldString(3, "many");
            w.FieldListBegin(4, CompactType.Struct, 0);
            w.StructEnd();
        });
        var e = Assert.Throws<ParquetFormatException>(() => FileMetaData.Read(footer));
        Assert.Contains("num_rows", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Column_metadata_without_its_required_fields_is_refused()
    {
        FileMetaData meta = ValidFooter();
        byte[] bytes = meta.Serialize();
        Assert.Equal(1, FileMetaData.Read(bytes).RowGroups[0].Columns[0].MetaData.NumValues);

        // The same footer with the ColumnMetaData struct cut down to its type: encodings (2) is the first one missing.
        byte[] cut = Thrift(w =>
        {
            w.StructBegin();
            w.FieldI32(1, 2);
            w.FieldListBegin(2, CompactType.Struct, 2);
            w.StructBegin();
            w.FieldString(4, "schema");
            w.FieldI32(5, 1);
            w.StructEnd();
            w.StructBegin();
            w.FieldI32(1, (int)PhysicalType.Int64);
            w.FieldString(4, "v");
            w.StructEnd();
            w.FieldI64(3, 1);
            w.FieldListBegin(4, CompactType.Struct, 1);
            w.StructBegin();
            w.FieldListBegin(1, CompactType.Struct, 1);
            w.StructBegin();
            w.FieldI64(2, 4);
            w.FieldStructBegin(3);
            w.FieldI32(1, (int)PhysicalType.Int64);
            w.StructEnd();
            w.StructEnd();
            w.FieldI64(2, 0);
            w.FieldI64(3, 1);
            w.StructEnd();
            w.StructEnd();
        });
        var e = Assert.Throws<ParquetFormatException>(() => FileMetaData.Read(cut));
        Assert.Contains("ColumnMetaData lacks its required field encodings (2)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_group_whose_chunks_do_not_match_the_schema_leaves_is_refused()
    {
        FileMetaData meta = ValidFooter();
        meta.Schema[0].NumChildren = 2;
        meta.Schema.Add(new SchemaElement { Name = "w", Type = PhysicalType.Int32 });
        using MemoryStream file = FileWith(meta.Serialize(), new byte[16]);
        var e = Assert.Throws<ParquetFormatException>(() => ParquetFooter.Read(file));
        Assert.Contains("row group 0 has 1 column chunks for the schema's 2 leaf columns", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encrypted_footers_are_named_as_such()
    {
        var stream = new MemoryStream();
        stream.Write("PARE"u8);
        stream.Write(new byte[40]);
        stream.Write([40, 0, 0, 0]);
        stream.Write("PARE"u8);
        stream.Position = 0;
        var e = Assert.Throws<ParquetFormatException>(() => ParquetFooter.Read(stream));
        Assert.Contains("encrypted", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_nested_schema_reads_as_a_tree_with_levels()
    {
        // message schema { optional group tags (LIST) { repeated group list { optional binary element (STRING) } }
        //                  required int64 id; optional group point { required double x; required double y } }
        var elements = new List<SchemaElement>
        {
            new() { Name = "schema", NumChildren = 3 },
            new() { Name = "tags", NumChildren = 1, RepetitionType = Repetition.Optional, ConvertedType = ConvertedType.List },
            new() { Name = "list", NumChildren = 1, RepetitionType = Repetition.Repeated },
            new() { Name = "element", Type = PhysicalType.ByteArray, RepetitionType = Repetition.Optional, LogicalType = LogicalType.String() },
            new() { Name = "id", Type = PhysicalType.Int64, RepetitionType = Repetition.Required },
            new() { Name = "point", NumChildren = 2, RepetitionType = Repetition.Optional },
            new() { Name = "x", Type = PhysicalType.Double, RepetitionType = Repetition.Required },
            new() { Name = "y", Type = PhysicalType.Double, RepetitionType = Repetition.Required },
        };
        SchemaTree tree = SchemaTree.FromSchemaElements(elements);
        Assert.False(tree.IsFlat);
        Assert.Equal(["tags.list.element", "id", "point.x", "point.y"], tree.Leaves.Select(l => l.DottedPath));
        SchemaNode element = tree.Leaves[0];
        Assert.Equal(3, element.MaxDefinitionLevel);
        Assert.Equal(1, element.MaxRepetitionLevel);
        Assert.Equal(3, element.Depth);
        Assert.Equal(0, tree.Leaves[1].MaxDefinitionLevel);
        Assert.Equal(1, tree.Leaves[2].MaxDefinitionLevel);
        Assert.Equal(3, tree.Root.Children.Count);
        Assert.Equal(8, tree.Nodes.Count);
    }

    [Theory]
    [InlineData(5, "declares 5 children, but the schema ends")]
    [InlineData(1, "which end at element 2 of 3")]
    public void A_schema_whose_child_counts_do_not_add_up_is_refused(int rootChildren, string expected)
    {
        var elements = new List<SchemaElement>
        {
            new() { Name = "schema", NumChildren = rootChildren },
            new() { Name = "a", Type = PhysicalType.Int32 },
            new() { Name = "b", Type = PhysicalType.Int32 },
        };
        var e = Assert.Throws<ParquetFormatException>(() => SchemaTree.FromSchemaElements(elements));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_schema_nested_too_deep_is_refused()
    {
        var elements = new List<SchemaElement> { new() { Name = "schema", NumChildren = 1 } };
        for (int i = 0; i < 200; i++)
        {
            elements.Add(new SchemaElement { Name = "g" + i, NumChildren = 1, RepetitionType = Repetition.Optional });
        }

        elements.Add(new SchemaElement { Name = "leaf", Type = PhysicalType.Int32 });
        var e = Assert.Throws<ParquetFormatException>(() => SchemaTree.FromSchemaElements(elements));
        Assert.Contains($"nested more than {SchemaTree.MaxDepth} levels", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A data page header whose statistics hold two strings of <paramref name="statisticLength"/> bytes.</summary>
    private static byte[] PageHeaderWithStatistics(int statisticLength, int compressedSize)
    {
        var header = new PageHeader
        {
            Type = PageType.DataPage,
            UncompressedPageSize = compressedSize,
            CompressedPageSize = compressedSize,
            DataPageHeader = new DataPageHeader
            {
                NumValues = 1,
                Encoding = ParquetEncoding.Plain,
                Statistics = new Statistics { MinValue = Enumerable.Repeat((byte)'a', statisticLength).ToArray(), MaxValue = Enumerable.Repeat((byte)'z', statisticLength).ToArray() },
            },
        };
        using var buffer = new ByteBuffer();
        var w = new ThriftCompactWriter(buffer);
        header.Write(ref w);
        return buffer.WrittenSpan.ToArray();
    }

    private static ColumnChunk ChunkAt(long offset, long size)
    {
        var chunk = new ColumnChunk { FileOffset = offset };
        chunk.MetaData.PathInSchema.Add("s");
        chunk.MetaData.DataPageOffset = offset;
        chunk.MetaData.TotalCompressedSize = size;
        return chunk;
    }

    [Theory]
    [InlineData(3_000)]
    [InlineData(20_000)]
    [InlineData(300_000)]
    public void Page_headers_longer_than_4_KiB_are_read(int statisticLength)
    {
        byte[] header = PageHeaderWithStatistics(statisticLength, 100);
        Assert.True(header.Length > 2 * statisticLength);
        var body = new MemoryStream();
        body.Write(header);
        body.Write(new byte[100]);
        body.Write(PageHeaderWithStatistics(10, 7));
        body.Write(new byte[7]);
        byte[] pages = body.ToArray();
        using MemoryStream file = FileWith(ValidFooter().Serialize(), pages);

        IReadOnlyList<(long Offset, PageHeader Header)> read = ParquetFooter.ReadPageHeaders(file, ChunkAt(4, pages.Length));
        Assert.Equal(2, read.Count);
        Assert.Equal(4, read[0].Offset);
        Assert.Equal(statisticLength, read[0].Header.DataPageHeader!.Statistics!.MaxValue!.Length);
        Assert.Equal(4 + header.Length + 100, read[1].Offset);
    }

    [Fact]
    public void A_page_that_runs_past_the_end_of_the_file_is_refused()
    {
        byte[] header = PageHeaderWithStatistics(10, int.MaxValue);
        using MemoryStream file = FileWith(ValidFooter().Serialize(), [.. header, .. new byte[10]]);
        var e = Assert.Throws<ParquetFormatException>(() => ParquetFooter.ReadPageHeaders(file, ChunkAt(4, header.Length + 10)));
        Assert.Contains("runs past the end", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-5L, 10L)]
    [InlineData(4L, long.MaxValue)]
    [InlineData(1_000_000L, 10L)]
    [InlineData(4L, -1L)]
    public void A_chunk_outside_the_file_is_refused(long offset, long size)
    {
        using MemoryStream file = FileWith(ValidFooter().Serialize(), new byte[64]);
        var e = Assert.Throws<ParquetFormatException>(() => ParquetFooter.ReadPageHeaders(file, ChunkAt(offset, size)));
        Assert.Contains("lies outside", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_page_header_with_a_negative_size_is_refused_at_its_offset()
    {
        byte[] header = PageHeaderWithStatistics(4, -3);
        using MemoryStream file = FileWith(ValidFooter().Serialize(), [.. header, .. new byte[32]]);
        var e = Assert.Throws<ParquetFormatException>(() => ParquetFooter.ReadPageHeaders(file, ChunkAt(4, header.Length + 32)));
        Assert.Contains("negative page size", e.Message, StringComparison.Ordinal);
        Assert.Equal(4, e.Offset);
    }

    [Fact]
    public void The_writers_own_files_read_back_with_their_schema_tree()
    {
        var stream = new MemoryStream();
        var schema = new ParquetSchema(ColumnDescriptor.Int64("a"), ColumnDescriptor.String("b", nullable: true));
        using (var writer = new ParquetFileWriter(stream, schema, null, leaveOpen: true))
        {
            writer.Write([ColumnData.From<long>(new long[] { 1, 2 }), ColumnData.FromStrings(new string?[] { "x", null })]);
        }

        ParquetFooter footer = ParquetFooter.Read(stream);
        Assert.True(footer.SchemaTree.IsFlat);
        Assert.Equal(["a", "b"], footer.SchemaTree.Leaves.Select(l => l.DottedPath));
        Assert.Equal(LogicalType.String(), footer.SchemaTree.Leaves[1].LogicalType);
        foreach (ColumnChunk chunk in footer.Metadata.RowGroups[0].Columns)
        {
            Assert.NotEmpty(ParquetFooter.ReadPageHeaders(stream, chunk));
        }
    }
}

/// <summary>A ThriftCompactWriter that lambdas can capture (the writer is a ref struct).</summary>
internal sealed class ThriftCompactWriterBox
{
    private readonly ByteBuffer _buffer;
    private readonly Stack<short> _lastIds = new();
    private short _lastId;

    public ThriftCompactWriterBox(ByteBuffer buffer)
    {
        _buffer = buffer;
    }

    public void StructBegin()
    {
        _lastIds.Push(_lastId);
        _lastId = 0;
    }

    public void StructEnd()
    {
        _buffer.WriteByte(0);
        _lastId = _lastIds.Pop();
    }

    public void FieldI32(short id, int value)
    {
        Header(id, CompactType.I32);
        Varint(ZigZag(value));
    }

    public void FieldI64(short id, long value)
    {
        Header(id, CompactType.I64);
        Varint(ZigZag(value));
    }

    public void FieldString(short id, string value)
    {
        Header(id, CompactType.Binary);
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(value);
        Varint((ulong)bytes.Length);
        _buffer.Write(bytes);
    }

    public void FieldStructBegin(short id)
    {
        Header(id, CompactType.Struct);
        StructBegin();
    }

    public void FieldListBegin(short id, CompactType elementType, int count)
    {
        Header(id, CompactType.List);
        if (count < 15)
        {
            _buffer.WriteByte((byte)((count << 4) | (int)elementType));
        }
        else
        {
            _buffer.WriteByte((byte)(0xF0 | (int)elementType));
            Varint((ulong)count);
        }
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private void Header(short id, CompactType type)
    {
        int delta = id - _lastId;
        if (delta is > 0 and <= 15)
        {
            _buffer.WriteByte((byte)((delta << 4) | (int)type));
        }
        else
        {
            _buffer.WriteByte((byte)type);
            Varint(ZigZag(id));
        }

        _lastId = id;
    }

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _buffer.WriteByte((byte)value);
    }
}
