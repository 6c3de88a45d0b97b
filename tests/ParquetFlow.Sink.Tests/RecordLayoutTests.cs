using System.Buffers.Binary;
using ParquetFlow.Parquet;
using ParquetFlow.Sink.TestProcess;

namespace ParquetFlow.Sink.Tests;

public sealed class RecordLayoutTests
{
    [Fact]
    public unsafe void Market_data_record_packs_to_52_bytes_at_documented_offsets()
    {
        RecordLayout layout = MarketOrder.Layout;
        Assert.Equal(52, layout.FixedLength);
        Assert.Equal(52, sizeof(MarketOrder));
        Assert.Equal(0, layout.BitmapLength);
        Assert.Equal([0, 8, 16, 24, 28, 36, 44, 48], Enumerable.Range(0, 8).Select(layout.OffsetOf));
        Assert.True(layout.IsValid(new byte[52]));
        Assert.False(layout.IsValid(new byte[51]));
        Assert.False(layout.IsValid(new byte[57]));
    }

    [Fact]
    public void Null_bitmap_comes_first_with_one_bit_per_nullable_field()
    {
        var fields = Enumerable.Range(0, 10).Select(i => RecordField.Int32("c" + i, nullable: i != 4)).ToArray();
        var layout = new RecordLayout(fields);
        Assert.Equal(2, layout.BitmapLength);
        Assert.Equal(2 + (10 * 4), layout.FixedLength);
        Assert.Equal(-1, layout.NullBitOf(4));
        Assert.Equal(8, layout.NullBitOf(9));
        byte[] record = new byte[layout.FixedLength];
        record[0] = 0b0000_0010;
        Assert.True(layout.IsNull(record, 1));
        Assert.False(layout.IsNull(record, 0));
        Assert.False(layout.IsNull(record, 4));
    }

    [Fact]
    public void Byte_array_records_are_valid_only_when_every_length_prefix_fits()
    {
        var layout = new RecordLayout(RecordField.Int32("a"), RecordField.ByteArray("b", logicalType: LogicalType.String()), RecordField.Int64("c"));
        Assert.Equal(-1, layout.FixedLength);
        Assert.Equal(16, layout.MinLength);
        Assert.Equal(-1, layout.OffsetOf(2));
        Assert.Equal([4, 8], layout.Runs.ToArray());
        Assert.Equal([52], MarketOrder.Layout.Runs.ToArray());
        byte[] record = new byte[4 + 4 + 3 + 8];
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), 3);
        Assert.True(layout.IsValid(record));
        Assert.False(layout.IsValid(record.AsSpan(0, record.Length - 1)));
        Assert.False(layout.IsValid([.. record, 0]));
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), -1);
        Assert.False(layout.IsValid(record));
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), int.MaxValue);
        Assert.False(layout.IsValid(record));
    }

    [Fact]
    public void Random_bytes_are_never_accepted_unless_the_lengths_add_up()
    {
        int seed = Environment.TickCount;
        Console.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var layout = new RecordLayout(RecordField.ByteArray("a"), RecordField.ByteArray("b"));
        for (int i = 0; i < 10_000; i++)
        {
            byte[] record = new byte[random.Next(0, 24)];
            random.NextBytes(record);
            if (random.Next(2) == 0 && record.Length >= 8)
            {
                int a = random.Next(0, record.Length - 7);
                BinaryPrimitives.WriteInt32LittleEndian(record, a);
                if (4 + a + 4 <= record.Length)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4 + a), record.Length - 8 - a);
                }
            }

            int first = record.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(record) : -1;
            bool expected = first >= 0 && 4L + first + 4 <= record.Length
                && BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(4 + first)) == record.Length - 8 - first;
            Assert.Equal(expected, layout.IsValid(record));
        }
    }
}
