using System.Globalization;
using ParquetFileWriter = ParquetSharp.ParquetFileWriter;
using ParquetFlow.Cli.Inspect;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.Schema;
using ParquetFlow.Parquet;
using ParquetFlow.Tests.Shared;
using ParquetSharp;
using RowGroupWriter = ParquetSharp.RowGroupWriter;

namespace ParquetFlow.Interop.Tests;

/// <summary>
/// The footer reader and <c>pqflow inspect</c> on files the project did not write: nested and odd-shaped files made
/// by DuckDB's <c>COPY</c>, ParquetSharp (Arrow C++) and Parquet.Net, described with the schema and counts their
/// writers put there.
/// </summary>
public sealed class ForeignFileTests : IClassFixture<DuckDbSession>, IDisposable
{
    private readonly DuckDbSession _duck;
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-foreign-").FullName;

    public ForeignFileTests(DuckDbSession duck)
    {
        _duck = duck;
    }

    [Fact]
    public void DuckDB_lists_structs_maps_and_nested_lists_are_described_as_a_tree()
    {
        string path = Path.Combine(_directory, "duck-nested.parquet");
        _duck.Query($"""
            COPY (
                SELECT i AS id,
                       [i, i + 1, NULL] AS ints,
                       {'{'}'a': i, 'b': 'x' || i::VARCHAR{'}'} AS point,
                       map(['k' || (i % 3)::VARCHAR], [i]) AS m,
                       [[i], [i, i], []] AS nested,
                       CAST(NULL AS INTEGER) AS nothing,
                       [{'{'}'x': i, 'tags': ['t', NULL]{'}'}] AS records
                FROM range(10000) t(i)
            ) TO {DuckDbSession.Literal(path)} (FORMAT PARQUET, ROW_GROUP_SIZE 2048)
            """);

        ParquetFooter footer = AssertDescribedAsDuckDbSeesIt(path, expectedRows: 10_000);
        Assert.False(footer.SchemaTree.IsFlat);
        string[] leaves = [.. footer.SchemaTree.Leaves.Select(l => l.DottedPath)];
        Assert.Contains("id", leaves);
        Assert.Contains(leaves, l => l.StartsWith("ints.", StringComparison.Ordinal));
        Assert.Contains("point.a", leaves);
        Assert.Contains("point.b", leaves);
        Assert.Contains(leaves, l => l.StartsWith("m.", StringComparison.Ordinal) && l.EndsWith(".key", StringComparison.Ordinal));
        Assert.Contains(leaves, l => l.StartsWith("nested.", StringComparison.Ordinal) && footer.SchemaTree.Leaves.First(x => x.DottedPath == l).MaxRepetitionLevel == 2);
        Assert.Contains("nothing", leaves);
        Assert.Contains(leaves, l => l.StartsWith("records.", StringComparison.Ordinal) && l.Contains(".tags.", StringComparison.Ordinal));

        (int exit, string stdout, string stderr) = PqflowProcess.Run("inspect", "--pages", path);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Empty(stderr);
        Assert.Contains("schema (nested", stdout, StringComparison.Ordinal);
        Assert.Contains($"rows:       10,000 in {footer.Metadata.RowGroups.Count} row group(s)", stdout, StringComparison.Ordinal);
        Assert.Contains("repeated", stdout, StringComparison.Ordinal);
        foreach (string leaf in leaves)
        {
            Assert.Contains(leaf, stdout, StringComparison.Ordinal);
        }

        // A file without a journal whose footer describes it is left alone, nested or not.
        (exit, stdout, stderr) = PqflowProcess.Run("recover", path);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Contains($"already complete ({footer.Metadata.RowGroups.Count} row groups, 10000 rows)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_DuckDB_file_of_no_rows_is_described()
    {
        string path = Path.Combine(_directory, "duck-empty.parquet");
        _duck.Query($"COPY (SELECT 1::INTEGER AS a, [1] AS l, 'x' AS s WHERE false) TO {DuckDbSession.Literal(path)} (FORMAT PARQUET)");
        ParquetFooter footer = AssertDescribedAsDuckDbSeesIt(path, expectedRows: 0);
        Assert.Equal(["a", "l.list.element", "s"], footer.SchemaTree.Leaves.Select(l => l.DottedPath));

        (int exit, string stdout, string stderr) = PqflowProcess.Run("inspect", "--pages", path);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Contains($"rows:       0 in {footer.Metadata.RowGroups.Count} row group(s)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void ParquetSharp_lists_nested_lists_all_null_columns_many_row_groups_and_long_string_statistics_are_described_as_Arrow_sees_them()
    {
        string path = Path.Combine(_directory, "arrow.parquet");
        const int groups = 40;
        const int rowsPerGroup = 25;
        Column[] columns =
        [
            new Column<int>("id"),
            new Column<int[]>("values"),
            new Column<int?[][]>("nested"),
            new Column<int?>("nothing"),
            new Column<string>("text"),
        ];
        using (WriterProperties properties = new WriterPropertiesBuilder().Compression(Compression.Snappy).Build())
        using (var writer = new ParquetFileWriter(path, columns, properties))
        {
            for (int g = 0; g < groups; g++)
            {
                int first = g * rowsPerGroup;
                using RowGroupWriter rg = writer.AppendRowGroup();
                using (LogicalColumnWriter<int> w = rg.NextColumn().LogicalWriter<int>())
                {
                    w.WriteBatch([.. Enumerable.Range(first, rowsPerGroup)]);
                }

                using (LogicalColumnWriter<int[]> w = rg.NextColumn().LogicalWriter<int[]>())
                {
                    w.WriteBatch([.. Enumerable.Range(first, rowsPerGroup).Select(i => Enumerable.Range(0, i % 4).ToArray())]);
                }

                using (LogicalColumnWriter<int?[][]> w = rg.NextColumn().LogicalWriter<int?[][]>())
                {
                    w.WriteBatch([.. Enumerable.Range(first, rowsPerGroup).Select(i => new[] { new int?[] { i, null }, Array.Empty<int?>() })]);
                }

                using (LogicalColumnWriter<int?> w = rg.NextColumn().LogicalWriter<int?>())
                {
                    w.WriteBatch(new int?[rowsPerGroup]);
                }

                // Strings of 3,000 characters: a data page's minimum and maximum make its header longer than 4 KiB.
                using (LogicalColumnWriter<string> w = rg.NextColumn().LogicalWriter<string>())
                {
                    w.WriteBatch([.. Enumerable.Range(first, rowsPerGroup).Select(i => new string((char)('a' + (i % 26)), 3000))]);
                }
            }
        }

        ParquetFooter footer = AssertDescribedAsDuckDbSeesIt(path, expectedRows: groups * rowsPerGroup);
        Assert.Equal(groups, footer.Metadata.RowGroups.Count);
        using (var file = new ParquetFileReader(path))
        {
            using ParquetSharp.FileMetaData meta = file.FileMetaData;
            Assert.Equal(
                Enumerable.Range(0, meta.Schema.NumColumns).Select(c => meta.Schema.Column(c).Path.ToDotString()),
                footer.SchemaTree.Leaves.Select(l => l.DottedPath));
        }

        Assert.Equal(2, footer.SchemaTree.Leaves[2].MaxRepetitionLevel);
        // Arrow keeps statistics of values up to 4 KiB: the 3,000-character strings are in every chunk's.
        Assert.All(footer.Metadata.RowGroups, g => Assert.Equal(3000, g.Columns[4].MetaData.Statistics?.MaxValue?.Length));
        Assert.All(footer.Metadata.RowGroups, g => Assert.Equal(rowsPerGroup, g.Columns[3].MetaData.Statistics?.NullCount));

        (int exit, string stdout, string stderr) = PqflowProcess.Run("inspect", "--pages", path);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Contains($"rows:       1,000 in {groups} row group(s)", stdout, StringComparison.Ordinal);
        Assert.Contains("values.list.", stdout, StringComparison.Ordinal);
        Assert.Contains("\"aaaaaaaa", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parquet_Net_structs_lists_and_maps_are_described()
    {
        string path = Path.Combine(_directory, "parquet-net.parquet");
        NetRow[] rows = [.. Enumerable.Range(0, 3000).Select(i => new NetRow
        {
            Id = i,
            Name = i % 7 == 0 ? null : "n" + i.ToString(CultureInfo.InvariantCulture),
            Scores = [.. Enumerable.Range(0, i % 3).Select(j => (double)j)],
            Labels = new Dictionary<string, int> { ["k" + (i % 5).ToString(CultureInfo.InvariantCulture)] = i },
            Where = new NetPoint { X = i, Y = -i },
        })];
        await global::Parquet.Serialization.ParquetSerializer.SerializeAsync(rows, path, new global::Parquet.ParquetOptions { RowGroupSize = 1000 });

        ParquetFooter footer = AssertDescribedAsDuckDbSeesIt(path, expectedRows: rows.Length);
        Assert.False(footer.SchemaTree.IsFlat);
        Assert.Contains(footer.SchemaTree.Leaves, l => l.DottedPath == "Where.X");
        Assert.Contains(footer.SchemaTree.Leaves, l => l.DottedPath.StartsWith("Scores.", StringComparison.Ordinal) && l.MaxRepetitionLevel == 1);
        Assert.Contains(footer.SchemaTree.Leaves, l => l.DottedPath.StartsWith("Labels.", StringComparison.Ordinal) && l.MaxRepetitionLevel == 1);

        (int exit, string stdout, string stderr) = PqflowProcess.Run("inspect", "--pages", path);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Contains($"rows:       3,000 in {footer.Metadata.RowGroups.Count} row group(s)", stdout, StringComparison.Ordinal);
        Assert.Contains("Where.Y", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void An_encrypted_footer_is_refused_in_one_line_and_a_plaintext_footer_over_encrypted_columns_is_described()
    {
        byte[] footerKey = [.. Enumerable.Range(1, 16).Select(i => (byte)i)];
        byte[] columnKey = [.. Enumerable.Range(101, 16).Select(i => (byte)i)];
        string encrypted = Path.Combine(_directory, "encrypted-footer.parquet");
        string plaintext = Path.Combine(_directory, "plaintext-footer.parquet");
        WriteEncrypted(encrypted, new FileEncryptionPropertiesBuilder(footerKey));
        using (ColumnEncryptionProperties secret = new ColumnEncryptionPropertiesBuilder("secret").Key(columnKey).Build())
        {
            WriteEncrypted(plaintext, new FileEncryptionPropertiesBuilder(footerKey).SetPlaintextFooter().EncryptedColumns([secret]));
        }

        (int exit, string stdout, string stderr) = PqflowProcess.Run("inspect", encrypted);
        Assert.Equal(1, exit);
        Assert.Empty(stdout);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains("encrypted", stderr, StringComparison.Ordinal);

        ParquetFooter footer = ParquetFooter.Read(plaintext);
        Assert.True(footer.Metadata.HasEncryptedColumns);
        (exit, stdout, stderr) = PqflowProcess.Run("inspect", plaintext);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Contains("encrypted:  columns are encrypted", stdout, StringComparison.Ordinal);
        Assert.Contains("secret", stdout, StringComparison.Ordinal);
    }

    private static void WriteEncrypted(string path, FileEncryptionPropertiesBuilder encryption)
    {
        using (encryption)
        using (FileEncryptionProperties properties = encryption.Build())
        using (WriterProperties writerProperties = new WriterPropertiesBuilder().Encryption(properties).Build())
        using (var writer = new ParquetFileWriter(path, [new Column<int>("id"), new Column<string>("secret")], writerProperties))
        {
            using RowGroupWriter rg = writer.AppendRowGroup();
            using (LogicalColumnWriter<int> w = rg.NextColumn().LogicalWriter<int>())
            {
                w.WriteBatch([1, 2, 3]);
            }

            using LogicalColumnWriter<string> s = rg.NextColumn().LogicalWriter<string>();
            s.WriteBatch(["a", "b", "c"]);
        }
    }

    /// <summary>
    /// Reads the footer, checks it against DuckDB's view of the same file (schema elements, rows, row groups), walks
    /// every chunk's pages (their value counts add up to the chunk's) and describes it in-process; returns the footer.
    /// </summary>
    private ParquetFooter AssertDescribedAsDuckDbSeesIt(string path, long expectedRows)
    {
        ParquetFooter footer = ParquetFooter.Read(path);
        string file = DuckDbSession.Literal(path);
        Assert.Equal(expectedRows, footer.Metadata.NumRows);
        Assert.Equal(expectedRows, footer.Metadata.RowGroups.Sum(g => g.NumRows));
        object?[] duckMeta = _duck.Query($"SELECT num_rows, num_row_groups FROM parquet_file_metadata({file})")[0];
        Assert.Equal(Convert.ToInt64(duckMeta[0], CultureInfo.InvariantCulture), footer.Metadata.NumRows);
        Assert.Equal(Convert.ToInt64(duckMeta[1], CultureInfo.InvariantCulture), footer.Metadata.RowGroups.Count);

        List<object?[]> duckSchema = _duck.Query($"SELECT name, num_children FROM parquet_schema({file})");
        Assert.Equal(duckSchema.Select(r => (string)r[0]!), footer.SchemaTree.Nodes.Select(n => n.Name));
        Assert.Equal(
            duckSchema.Select(r => r[1] is null ? 0L : Convert.ToInt64(r[1], CultureInfo.InvariantCulture)),
            footer.SchemaTree.Nodes.Select(n => (long)n.Children.Count));

        using (FileStream stream = File.OpenRead(path))
        {
            foreach (RowGroup group in footer.Metadata.RowGroups)
            {
                foreach (ColumnChunk chunk in group.Columns)
                {
                    long values = ParquetFooter.ReadPageHeaders(stream, chunk).Sum(p => (long)(p.Header.DataPageHeader?.NumValues ?? p.Header.DataPageHeaderV2?.NumValues ?? 0));
                    Assert.Equal(chunk.MetaData.NumValues, values);
                }
            }

            var text = new StringWriter();
            FileReport.Write(text, path, footer, stream);
            Assert.Contains($"rows:       {expectedRows.ToString("N0", CultureInfo.InvariantCulture)} in {footer.Metadata.RowGroups.Count} row group(s)", text.ToString(), StringComparison.Ordinal);
        }

        return footer;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A row for Parquet.Net's serializer: a struct, a list and a map beside flat fields.</summary>
    public sealed class NetRow
    {
        public int Id { get; set; }

        public string? Name { get; set; }

        public List<double> Scores { get; set; } = [];

        public Dictionary<string, int> Labels { get; set; } = [];

        public NetPoint Where { get; set; } = new();
    }

    public sealed class NetPoint
    {
        public long X { get; set; }

        public long Y { get; set; }
    }
}
