using System.Buffers.Binary;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Parquet.Tests;

public sealed class TableWriteTests
{
    private static readonly ParquetSchema s_schema = new(
        ColumnDescriptor.Int64("id"),
        ColumnDescriptor.Int32("v", nullable: true),
        ColumnDescriptor.String("s"),
        ColumnDescriptor.ByteArray("b", nullable: true));

    private static ColumnData[] Batch(int first, int rows)
    {
        long[] ids = Enumerable.Range(first, rows).Select(i => (long)i).ToArray();
        byte[] levels = Enumerable.Range(first, rows).Select(i => (byte)(i % 3 == 0 ? 0 : 1)).ToArray();
        int[] v = Enumerable.Range(first, rows).Where(i => i % 3 != 0).ToArray();
        string?[] s = Enumerable.Range(first, rows).Select(i => $"row {i}").ToArray();
        byte[] bLevels = Enumerable.Range(first, rows).Select(i => (byte)(i % 2)).ToArray();
        byte[][] blobs = Enumerable.Range(first, rows).Where(i => i % 2 == 1).Select(i => BitConverter.GetBytes(i)).ToArray();
        int[] offsets = new int[blobs.Length + 1];
        for (int i = 0; i < blobs.Length; i++)
        {
            offsets[i + 1] = offsets[i] + blobs[i].Length;
        }

        return
        [
            ColumnData.From<long>(ids),
            ColumnData.From<int>(v, levels),
            ColumnData.FromStrings(s),
            ColumnData.FromByteArrays(blobs.SelectMany(x => x).ToArray(), offsets, bLevels),
        ];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Write_cuts_row_groups_at_the_row_limit_across_calls(int threads)
    {
        var stream = new MemoryStream();
        using (var writer = new ParquetFileWriter(stream, s_schema, new ParquetWriterOptions { MaxRowsPerRowGroup = 1000, MaxDegreeOfParallelism = threads }, leaveOpen: true))
        {
            writer.Write(Batch(0, 833));
            writer.Write(Batch(833, 833));
            writer.Write(Batch(1666, 834));
        }

        FileMetaData meta = ParquetFooter.Read(stream).Metadata;
        Assert.Equal(new long[] { 1000, 1000, 500 }, meta.RowGroups.Select(g => g.NumRows));
        // Every row group's optional columns carry exactly the nulls of their rows.
        long[] expectedNulls = [.. meta.RowGroups.Select((g, i) => (long)Enumerable.Range(i * 1000, (int)g.NumRows).Count(r => r % 3 == 0))];
        Assert.Equal(expectedNulls, meta.RowGroups.Select(g => g.Columns[1].MetaData.Statistics!.NullCount!.Value));
        Assert.Equal(1999, BinaryPrimitives.ReadInt64LittleEndian(meta.RowGroups[1].Columns[0].MetaData.Statistics!.MaxValue));
        Assert.Equal(1999, BinaryPrimitives.ReadInt32LittleEndian(meta.RowGroups[1].Columns[1].MetaData.Statistics!.MaxValue));
    }

    [Fact]
    public void Write_cuts_row_groups_at_the_byte_target()
    {
        var stream = new MemoryStream();
        var options = new ParquetWriterOptions { RowGroupTargetBytes = 64 * 1024, Compression = CompressionCodec.Uncompressed };
        using (var writer = new ParquetFileWriter(stream, s_schema, options, leaveOpen: true))
        {
            writer.Write(Batch(0, 100_000));
        }

        FileMetaData meta = ParquetFooter.Read(stream).Metadata;
        Assert.True(meta.RowGroups.Count > 1, $"{meta.RowGroups.Count} row groups");
        Assert.Equal(100_000, meta.NumRows);
    }

    [Fact]
    public void Write_rejects_columns_of_different_lengths_before_writing()
    {
        var stream = new MemoryStream();
        using var writer = new ParquetFileWriter(stream, s_schema, leaveOpen: true);
        ColumnData[] batch = Batch(0, 10);
        batch[2] = ColumnData.FromStrings(new string?[9]);
        Assert.Throws<InvalidBatchException>(() => writer.Write(batch));
        Assert.Equal(0, writer.RowCount);
    }
}
