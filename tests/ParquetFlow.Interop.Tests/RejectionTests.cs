using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Schema;
using PfLogicalType = ParquetFlow.Parquet.LogicalType;

namespace ParquetFlow.Interop.Tests;

/// <summary>
/// Bad input throws its specific exception before anything of it is written: the file keeps every row that was
/// accepted, the writer carries on, and DuckDB reads exactly the accepted rows.
/// </summary>
public sealed class RejectionTests : IClassFixture<DuckDbSession>, IDisposable
{
    private static readonly ParquetSchema s_schema = new(
        ColumnDescriptor.Int64("id"),
        ColumnDescriptor.String("name"),
        ColumnDescriptor.FixedLenByteArray("code", 8),
        ColumnDescriptor.Double("price", nullable: true),
        ColumnDescriptor.Int32("small", logicalType: PfLogicalType.Integer(8, true)));

    private readonly DuckDbSession _duck;
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-interop-reject-").FullName;

    public RejectionTests(DuckDbSession duck)
    {
        _duck = duck;
    }

    public static TheoryData<string> BadBatches() =>
    [
        "more values than definition levels of 1",
        "fewer values than rows in a required column's levels",
        "validity bitmap too short",
        "offsets outside the data",
        "null string in a required column",
        "null definition level in a required column",
        "string too long for the fixed column",
        "fixed value of the wrong length",
        "INT(8) value out of range",
        "values of the wrong CLR type",
    ];

    [Theory]
    [MemberData(nameof(BadBatches))]
    public void A_rejected_batch_throws_and_leaves_the_file_with_exactly_the_accepted_rows(string bad)
    {
        string path = Path.Combine(_directory, $"{bad.Replace(' ', '-')}.parquet");
        using (ParquetFileWriter writer = ParquetFileWriter.Create(path, s_schema))
        {
            using (RowGroupWriter rg = writer.BeginRowGroup())
            {
                WriteRows(rg, 0, 3);
            }

            using (RowGroupWriter rg = writer.BeginRowGroup())
            {
                rg.WriteColumn<long>(0, [3, 4]);
                Exception? e = Record.Exception(() => WriteBad(rg, bad));
                Assert.NotNull(e);
                Assert.IsType<InvalidBatchException>(e);

                // The rest of the row group goes on as if the bad batch had never been offered.
                rg.WriteStrings(1, ["d", "é"]);
                rg.WriteStrings(2, ["D", "E"]);
                rg.WriteColumn<double>(3, [4.5], [0, 1]);
                rg.WriteColumn<int>(4, [-128, 127]);
            }
        }

        Assert.Equal(
            ["0|a|A|0|1", "1|b|B|null|2", "2|c|C|2|3", "3|d|D|null|-128", "4|é|E|4.5|127"],
            ReadRows(path));
    }

    [Fact]
    public void Columns_with_different_row_counts_discard_the_row_group_and_keep_the_earlier_ones()
    {
        string path = Path.Combine(_directory, "mismatch.parquet");
        using (ParquetFileWriter writer = ParquetFileWriter.Create(path, s_schema))
        {
            using (RowGroupWriter rg = writer.BeginRowGroup())
            {
                WriteRows(rg, 0, 3);
            }

            RowGroupWriter uneven = writer.BeginRowGroup();
            uneven.WriteColumn<long>(0, [10, 11]);
            uneven.WriteStrings(1, ["x", "y", "z"]);
            uneven.WriteStrings(2, ["X", "Y"]);
            uneven.WriteColumn<double>(3, [1, 2]);
            uneven.WriteColumn<int>(4, [1, 2]);
            InvalidBatchException e = Assert.Throws<InvalidBatchException>(uneven.End);
            Assert.Contains("same number of rows", e.Message, StringComparison.Ordinal);

            // The writer carries on with the next row group.
            using (RowGroupWriter rg = writer.BeginRowGroup())
            {
                rg.WriteColumn<long>(0, [3]);
                rg.WriteStrings(1, ["d"]);
                rg.WriteStrings(2, ["D"]);
                rg.WriteColumn<double>(3, [], [0]);
                rg.WriteColumn<int>(4, [4]);
            }
        }

        Assert.Equal(["0|a|A|0|1", "1|b|B|null|2", "2|c|C|2|3", "3|d|D|null|4"], ReadRows(path));
        Assert.Equal(2L, _duck.Scalar($"SELECT num_row_groups FROM parquet_file_metadata({DuckDbSession.Literal(path)})"));
    }

    [Fact]
    public void An_open_file_with_only_its_first_row_group_written_reads_back_after_a_rejection_at_close()
    {
        // The row group left open when the file closes has uneven columns: Close (via Dispose) throws, and what
        // was accepted before stays a complete, readable file.
        string path = Path.Combine(_directory, "uneven-at-close.parquet");
        ParquetFileWriter writer = ParquetFileWriter.Create(path, s_schema);
        using (RowGroupWriter rg = writer.BeginRowGroup())
        {
            WriteRows(rg, 0, 3);
        }

        RowGroupWriter open = writer.BeginRowGroup();
        open.WriteColumn<long>(0, [7]);
        Assert.Throws<InvalidBatchException>(writer.Dispose);
        Assert.Equal(["0|a|A|0|1", "1|b|B|null|2", "2|c|C|2|3"], ReadRows(path));
    }

    [Theory]
    [InlineData("price", "price")]
    [InlineData("price", "Price")]
    public void A_schema_with_duplicate_names_is_rejected_before_a_file_exists(string first, string second)
    {
        string path = Path.Combine(_directory, $"duplicate-{second}.parquet");
        SchemaException e = Assert.Throws<SchemaException>(() =>
        {
            var schema = new ParquetSchema(ColumnDescriptor.Double(first), ColumnDescriptor.Int64("id"), ColumnDescriptor.Double(second));
            using ParquetFileWriter writer = ParquetFileWriter.Create(path, schema);
        });
        Assert.Contains(second, e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    private static void WriteRows(RowGroupWriter rg, int first, int count)
    {
        // Rows: id, name a/b/c, code A/B/C, price null for odd ids, small = id + 1.
        var ids = Enumerable.Range(first, count).Select(i => (long)i).ToArray();
        rg.WriteColumn<long>(0, ids);
        rg.WriteStrings(1, [.. ids.Select(i => ((char)('a' + i)).ToString())]);
        rg.WriteStrings(2, [.. ids.Select(i => ((char)('A' + i)).ToString())]);
        rg.WriteColumn<double>(3, [.. ids.Where(i => i % 2 == 0).Select(i => (double)i)], [.. ids.Select(i => i % 2 == 0 ? (byte)1 : (byte)0)]);
        rg.WriteColumn<int>(4, [.. ids.Select(i => (int)i + 1)]);
    }

    private static void WriteBad(RowGroupWriter rg, string bad)
    {
        switch (bad)
        {
            case "more values than definition levels of 1": rg.WriteColumn<double>(3, [1, 2, 3], [1, 0, 1]); break;
            case "fewer values than rows in a required column's levels": rg.WriteColumn<int>(4, [1], [1, 1]); break;
            case "validity bitmap too short": rg.WriteColumnSpaced<double>(3, new double[9], [0xFF]); break;
            case "offsets outside the data": rg.WriteByteArrays(1, "abc"u8, [0, 2, 5]); break;
            case "null string in a required column": rg.WriteStrings(1, ["ok", null]); break;
            case "null definition level in a required column": rg.WriteColumn<int>(4, [1], [1, 0]); break;
            case "string too long for the fixed column": rg.WriteStrings(2, ["ÄÄÄÄÄ"]); break; // 10 UTF-8 bytes > 8
            case "fixed value of the wrong length": rg.WriteByteArrays(2, "123456789"u8, [0, 9]); break;
            case "INT(8) value out of range": rg.WriteColumn<int>(4, [1, 128]); break;
            case "values of the wrong CLR type": rg.WriteColumn<long>(4, [1L, 2L]); break;
            default: throw new ArgumentOutOfRangeException(nameof(bad), bad, null);
        }
    }

    private List<string> ReadRows(string path) =>
        [.. _duck.Query($"SELECT id, name, rtrim(decode(code), chr(0)), price, small FROM read_parquet({DuckDbSession.Literal(path)}) ORDER BY file_row_number")
            .Select(r => string.Join("|", r.Select(v => v is null ? "null" : EdgeShapeTests.Invariant(v))))];

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
