using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Interop.Tests;

/// <summary>Writer defects the interop matrix ran into and the format's floating-point statistics rules, each on the smallest file that shows it.</summary>
public sealed class WriterRegressionTests : IClassFixture<DuckDbSession>, IDisposable
{
    private readonly DuckDbSession _duck;
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-interop-bug-").FullName;

    public WriterRegressionTests(DuckDbSession duck)
    {
        _duck = duck;
    }

    [Fact]
    public void A_float_page_holding_only_NaN_beside_other_pages_writes_a_readable_file()
    {
        // Page 1 holds only NaN, so it has values but no min/max; page 2 has a min/max. Building the column index's
        // boundary order compares page 1's empty min with page 2's and used to throw ArgumentOutOfRangeException
        // from StatisticsOrder.Compare inside RowGroupWriter.End.
        string path = Path.Combine(_directory, "nan-page.parquet");
        var options = new ParquetWriterOptions { MaxRowsPerPage = 2 };
        using (ParquetFileWriter writer = ParquetFileWriter.Create(path, new ParquetSchema(ColumnDescriptor.Double("x"), ColumnDescriptor.Float("y")), options))
        {
            using RowGroupWriter rg = writer.BeginRowGroup();
            rg.WriteColumn<double>(0, [double.NaN, double.NaN, 1.5, -2.5]);
            rg.WriteColumn<float>(1, [3f, 4f, float.NaN, float.NaN]);
        }

        List<object?[]> rows = _duck.Query($"SELECT x, y FROM read_parquet({DuckDbSession.Literal(path)}) ORDER BY file_row_number");
        Assert.Equal(4, rows.Count);
        Assert.True(double.IsNaN((double)rows[0][0]!));
        Assert.Equal(-2.5, (double)rows[3][0]!);
        Assert.Equal(3f, (float)rows[0][1]!);
        Assert.True(float.IsNaN((float)rows[3][1]!));
    }

    [Fact]
    public void Chunk_statistics_ignore_a_page_holding_only_NaN()
    {
        // NaN never enters min/max, so a page of only NaN contributes nothing; the other page's -2.5/1.5 are still the
        // chunk's exact bounds and readers should get them (not a chunk without min/max).
        string path = Path.Combine(_directory, "nan-page-stats.parquet");
        using (ParquetFileWriter writer = ParquetFileWriter.Create(path, new ParquetSchema(ColumnDescriptor.Double("x")), new ParquetWriterOptions { MaxRowsPerPage = 2 }))
        {
            using RowGroupWriter rg = writer.BeginRowGroup();
            rg.WriteColumn<double>(0, [double.NaN, double.NaN, 1.5, -2.5]);
        }

        ColumnCase x = ColumnCases.All.Single(c => c.Name == "f64") with { Name = "x" };
        ChunkStatistics stats = ArrowReader.Read(path, [x]).Statistics.Single();
        Assert.Equal(new ChunkStatistics(0, 0, 0, ColumnCase.DoubleCanon(-2.5), ColumnCase.DoubleCanon(1.5)), stats);
    }

    [Fact]
    public void Float_statistics_write_a_zero_min_as_minus_zero_and_a_zero_max_as_plus_zero()
    {
        // parquet.thrift, Statistics: "If the computed min value is zero (whether negative or positive), -0.0 should be
        // written into the min statistics field. If the computed max value is zero ..., +0.0 should be written into
        // the max statistics field" — so a reader may prune "x < 0" safely.
        string path = Path.Combine(_directory, "zero-stats.parquet");
        using (ParquetFileWriter writer = ParquetFileWriter.Create(path, new ParquetSchema(ColumnDescriptor.Double("a"), ColumnDescriptor.Float("b")), new ParquetWriterOptions()))
        {
            using RowGroupWriter rg = writer.BeginRowGroup();
            rg.WriteColumn<double>(0, [0.0, 1.0, 2.0]);
            rg.WriteColumn<float>(1, [-0f, -1f, -2f]);
        }

        // Raw footer bytes: Arrow normalizes the zero signs when it reads statistics, so it cannot tell.
        byte[] bytes = File.ReadAllBytes(path);
        int length = BitConverter.ToInt32(bytes, bytes.Length - 8);
        var footer = ParquetFlow.Parquet.Format.FileMetaData.Read(bytes.AsSpan(bytes.Length - 8 - length, length));
        ParquetFlow.Parquet.Format.Statistics a = footer.RowGroups[0].Columns[0].MetaData.Statistics!;
        ParquetFlow.Parquet.Format.Statistics b = footer.RowGroups[0].Columns[1].MetaData.Statistics!;
        Assert.Equal(ColumnCase.DoubleCanon(-0.0), ColumnCase.DoubleCanon(BitConverter.ToDouble(a.MinValue)));
        Assert.Equal(ColumnCase.DoubleCanon(2.0), ColumnCase.DoubleCanon(BitConverter.ToDouble(a.MaxValue)));
        Assert.Equal(ColumnCase.FloatCanon(-2f), ColumnCase.FloatCanon(BitConverter.ToSingle(b.MinValue)));
        Assert.Equal(ColumnCase.FloatCanon(0f), ColumnCase.FloatCanon(BitConverter.ToSingle(b.MaxValue)));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
