using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.IO;
using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Tests;

public sealed class ThriftCompactTests
{
    private static byte[] Encode(Action<ByteBuffer> write)
    {
        using var buffer = new ByteBuffer();
        write(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void Short_field_header_packs_delta_and_type_in_one_byte()
    {
        // Compact protocol: field id delta 1..15 in the high nibble, type in the low; i32 as zigzag varint.
        byte[] bytes = Encode(b =>
        {
            var w = new ThriftCompactWriter(b);
            w.StructBegin();
            w.FieldI32(1, 5);
            w.FieldI32(3, -1);
            w.StructEnd();
        });
        Assert.Equal(new byte[] { 0x15, 0x0A, 0x25, 0x01, 0x00 }, bytes);
    }

    [Fact]
    public void Long_field_header_carries_the_id_as_zigzag_i16_when_the_delta_exceeds_15()
    {
        byte[] bytes = Encode(b =>
        {
            var w = new ThriftCompactWriter(b);
            w.StructBegin();
            w.FieldI64(20, 1);
            w.StructEnd();
        });
        Assert.Equal(new byte[] { 0x06, 0x28, 0x02, 0x00 }, bytes);
    }

    [Fact]
    public void Booleans_live_in_the_field_type_and_in_lists_take_one_byte_each()
    {
        byte[] bytes = Encode(b =>
        {
            var w = new ThriftCompactWriter(b);
            w.StructBegin();
            w.FieldBool(1, true);
            w.FieldBool(2, false);
            w.FieldListBegin(3, CompactType.BooleanTrue, 2);
            w.ElementBool(true);
            w.ElementBool(false);
            w.StructEnd();
        });
        Assert.Equal(new byte[] { 0x11, 0x12, 0x19, 0x21, 0x01, 0x02, 0x00 }, bytes);
    }

    [Fact]
    public void Lists_of_15_or_more_elements_use_the_long_header()
    {
        byte[] bytes = Encode(b =>
        {
            var w = new ThriftCompactWriter(b);
            w.ListHeader(CompactType.I32, 14);
            w.ListHeader(CompactType.I32, 15);
            w.ListHeader(CompactType.Struct, 300);
        });
        Assert.Equal(new byte[] { 0xE5, 0xF5, 0x0F, 0xFC, 0xAC, 0x02 }, bytes);
    }

    [Fact]
    public void Nested_structs_restart_field_deltas_and_restore_the_parent()
    {
        byte[] bytes = Encode(b =>
        {
            var w = new ThriftCompactWriter(b);
            w.StructBegin();
            w.FieldI32(2, 1);
            w.FieldStructBegin(3);
            w.FieldI32(1, 1);
            w.StructEnd();
            w.FieldI32(4, 1);
            w.StructEnd();
        });
        Assert.Equal(new byte[] { 0x25, 0x02, 0x1C, 0x15, 0x02, 0x00, 0x15, 0x02, 0x00 }, bytes);
    }

    [Fact]
    public void Strings_are_length_prefixed_utf8()
    {
        byte[] bytes = Encode(b =>
        {
            var w = new ThriftCompactWriter(b);
            w.StructBegin();
            w.FieldString(1, "é");
            w.StructEnd();
        });
        Assert.Equal(new byte[] { 0x18, 0x02, 0xC3, 0xA9, 0x00 }, bytes);
    }

    [Fact]
    public void Footer_round_trips_through_writer_and_reader()
    {
        var meta = new FileMetaData { NumRows = 3, CreatedBy = "test" };
        meta.Schema.Add(new SchemaElement { Name = "schema", NumChildren = 1 });
        meta.Schema.Add(new SchemaElement
        {
            Name = "ts",
            Type = PhysicalType.Int64,
            RepetitionType = Repetition.Optional,
            LogicalType = LogicalType.Timestamp(TimeUnit.Nanos, false),
        });
        var chunk = new ColumnChunk { FileOffset = 4, OffsetIndexOffset = 100, OffsetIndexLength = 10 };
        chunk.MetaData.Type = PhysicalType.Int64;
        chunk.MetaData.PathInSchema.Add("ts");
        chunk.MetaData.Encodings.AddRange([ParquetEncoding.Plain, ParquetEncoding.Rle]);
        chunk.MetaData.Statistics = new Statistics { NullCount = 1, MinValue = [1, 0, 0, 0, 0, 0, 0, 0], MaxValue = [9, 0, 0, 0, 0, 0, 0, 0] };
        var group = new RowGroup { NumRows = 3, TotalByteSize = 77, Ordinal = 0 };
        group.Columns.Add(chunk);
        meta.RowGroups.Add(group);
        meta.KeyValueMetadata.Add(new KeyValue("k", "v"));
        meta.ColumnOrders.Add(true);

        using var buffer = new ByteBuffer();
        meta.Write(buffer);
        FileMetaData back = FileMetaData.Read(buffer.WrittenSpan);

        Assert.Equal(3, back.NumRows);
        Assert.Equal("test", back.CreatedBy);
        Assert.Equal(LogicalType.Timestamp(TimeUnit.Nanos, false), back.Schema[1].LogicalType);
        Assert.Equal(Repetition.Optional, back.Schema[1].RepetitionType);
        ColumnChunk c = back.RowGroups[0].Columns[0];
        Assert.Equal(100, c.OffsetIndexOffset);
        Assert.Equal(new[] { ParquetEncoding.Plain, ParquetEncoding.Rle }, c.MetaData.Encodings);
        Assert.Equal((byte)9, c.MetaData.Statistics!.MaxValue![0]);
        Assert.Equal(1, c.MetaData.Statistics.NullCount);
        Assert.Equal("v", back.KeyValueMetadata[0].Value);
        Assert.Single(back.ColumnOrders);
    }

    [Fact]
    public void Reader_skips_fields_it_does_not_know()
    {
        byte[] bytes = Encode(b =>
        {
            var w = new ThriftCompactWriter(b);
            w.StructBegin();
            w.FieldI32(1, 2);
            w.FieldListBegin(2, CompactType.Struct, 1);
            w.StructBegin();
            w.FieldString(4, "schema");
            w.StructEnd();
            w.FieldStructBegin(50);
            w.FieldString(1, "future");
            w.FieldListBegin(2, CompactType.I64, 2);
            w.ElementI64(1);
            w.ElementI64(2);
            w.StructEnd();
            w.FieldDouble(51, 1.5);
            w.FieldI64(3, 42);
            w.FieldListBegin(4, CompactType.Struct, 0);
            w.StructEnd();
        });
        FileMetaData meta = FileMetaData.Read(bytes);
        Assert.Equal(2, meta.Version);
        Assert.Equal(42, meta.NumRows);
    }

    [Fact]
    public void Truncated_footer_throws_a_format_exception_with_the_offset()
    {
        using var buffer = new ByteBuffer();
        var meta = new FileMetaData { NumRows = 1, CreatedBy = "x" };
        meta.Schema.Add(new SchemaElement { Name = "schema", NumChildren = 0 });
        meta.Write(buffer);
        byte[] cut = buffer.WrittenSpan[..^3].ToArray();
        ParquetFormatException e = Assert.Throws<ParquetFormatException>(() => FileMetaData.Read(cut));
        Assert.True(e.Offset >= 0);
    }
}
