using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Interop.Tests;

/// <summary>
/// Files written through <see cref="ParquetFileWriter.Write(IReadOnlyList{ColumnData})"/>, which cuts row groups by
/// row count and byte size on its own, read back by all three readers; rejected table batches leave no trace.
/// </summary>
public sealed class TableWriteInteropTests : IClassFixture<DuckDbSession>, IDisposable
{
    private readonly DuckDbSession _duck;
    private readonly ITestOutputHelper _output;
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-interop-table-").FullName;

    public TableWriteInteropTests(DuckDbSession duck, ITestOutputHelper output)
    {
        _duck = duck;
        _output = output;
    }

    [Theory]
    [InlineData(false, 700, long.MaxValue, 1)]
    [InlineData(true, 1 << 20, 16_384L, 2)]
    [InlineData(true, 333, 64_000L, 2)]
    public async Task Row_groups_cut_by_rows_or_bytes_read_back_in_every_reader(bool nullable, int maxRows, long targetBytes, int threads)
    {
        int seed = TestSeed.For("table", nullable, maxRows, targetBytes);
        _output.WriteLine(TestSeed.Describe(seed));
        var random = new Random(seed);
        GeneratedTable table = GeneratedTable.Create(random, ColumnCases.All, nullable, [3000]);
        string path = Path.Combine(_directory, $"table-{nullable}-{maxRows}-{targetBytes}.parquet");
        var options = new ParquetWriterOptions
        {
            MaxRowsPerRowGroup = maxRows,
            RowGroupTargetBytes = targetBytes,
            MaxDegreeOfParallelism = threads,
            MaxRowsPerPage = 400,
        };
        table.WriteTable(path, options, batchRows: random.Next(100, 1200));

        int[] sizes = RowGroupSizes(path);
        _output.WriteLine($"row groups: {string.Join(",", sizes)}");
        Assert.True(sizes.Length > 1, "the limits should have cut several row groups");
        Assert.All(sizes, s => Assert.InRange(s, 1, maxRows));
        Assert.Equal(table.RowCount, sizes.Sum());
        await ThreeReaders.AssertReadBackAsync(_duck, table.WithRowGroupSizes(sizes), path, $"table write, {TestSeed.Describe(seed)}");
    }

    [Fact]
    public void A_table_batch_with_too_few_values_leaves_none_of_its_rows_in_the_file()
    {
        // 50 accepted rows stay in the open row group; the next batch of 250 rows spans three row groups of 100 but
        // its optional column is one value short. No row of it may reach the file.
        var schema = new ParquetSchema(ColumnDescriptor.Int64("id"), ColumnDescriptor.Double("v", nullable: true));
        string path = Path.Combine(_directory, "short-batch.parquet");
        using (ParquetFileWriter writer = ParquetFileWriter.Create(path, schema, new ParquetWriterOptions { MaxRowsPerRowGroup = 100 }))
        {
            writer.Write([ColumnData.From<long>(Enumerable.Range(0, 50).Select(i => (long)i).ToArray()), ColumnData.From<double>(new double[50])]);
            long[] ids = [.. Enumerable.Range(50, 250).Select(i => (long)i)];
            byte[] levels = [.. Enumerable.Repeat((byte)1, 250)];
            Assert.Throws<InvalidBatchException>(() => writer.Write([ColumnData.From<long>(ids), ColumnData.From<double>(new double[249], levels)]));
        }

        Assert.Equal(50L, _duck.Scalar($"SELECT count(*) FROM read_parquet({DuckDbSession.Literal(path)})"));
        Assert.Equal(49L, _duck.Scalar($"SELECT max(id) FROM read_parquet({DuckDbSession.Literal(path)})"));
    }

    [Fact]
    public void A_table_batch_with_a_null_in_a_required_column_leaves_none_of_its_rows_in_the_file()
    {
        var schema = new ParquetSchema(ColumnDescriptor.Int64("id"), ColumnDescriptor.String("name"));
        string path = Path.Combine(_directory, "null-batch.parquet");
        using (ParquetFileWriter writer = ParquetFileWriter.Create(path, schema, new ParquetWriterOptions { MaxRowsPerRowGroup = 100 }))
        {
            writer.Write([ColumnData.From<long>(new long[] { 0, 1 }), ColumnData.FromStrings(new string?[] { "a", "b" })]);
            long[] ids = [.. Enumerable.Range(2, 250).Select(i => (long)i)];
            string?[] names = [.. ids.Select(i => i == 240 ? null : "n" + i)];
            Assert.Throws<InvalidBatchException>(() => writer.Write([ColumnData.From<long>(ids), ColumnData.FromStrings(names)]));
        }

        Assert.Equal(2L, _duck.Scalar($"SELECT count(*) FROM read_parquet({DuckDbSession.Literal(path)})"));
    }

    private static int[] RowGroupSizes(string path)
    {
        using var file = new ParquetSharp.ParquetFileReader(path);
        using ParquetSharp.FileMetaData meta = file.FileMetaData;
        var sizes = new int[meta.NumRowGroups];
        for (int g = 0; g < sizes.Length; g++)
        {
            using ParquetSharp.RowGroupReader rg = file.RowGroup(g);
            sizes[g] = checked((int)rg.MetaData.NumRows);
        }

        return sizes;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
