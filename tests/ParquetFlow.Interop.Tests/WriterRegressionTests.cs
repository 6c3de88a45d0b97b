using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Interop.Tests;

/// <summary>Writer defects the interop matrix ran into, each pinned down by the smallest file that shows it.</summary>
public sealed class WriterBugTests : IClassFixture<DuckDbSession>, IDisposable
{
    private readonly DuckDbSession _duck;
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-interop-bug-").FullName;

    public WriterBugTests(DuckDbSession duck)
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

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
