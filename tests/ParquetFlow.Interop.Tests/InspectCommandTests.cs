using System.Buffers.Binary;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.Schema;
using ParquetFlow.Parquet;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Interop.Tests;

/// <summary><c>pqflow inspect</c> and <c>pqflow recover</c> as a user runs them: descriptions with exit 0, refusals in one line with exit 1.</summary>
public sealed class InspectCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-inspect-").FullName;

    private string WriteFile(string name, ParquetSchema schema, ColumnData[] columns, ParquetWriterOptions? options = null)
    {
        string path = Path.Combine(_directory, name);
        using ParquetFileWriter writer = ParquetFileWriter.Create(path, schema, options);
        writer.Write(columns);
        return path;
    }

    private static void AssertOneLineRefusal((int ExitCode, string Stdout, string Stderr) run, string expected)
    {
        Assert.Equal(1, run.ExitCode);
        string[] lines = run.Stderr.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{run.Stderr}");
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Pages_whose_headers_exceed_4_KiB_are_listed()
    {
        // Page statistics of 3,000-byte strings (under the writer's 4 KiB statistics bound) make each header over 6 KiB.
        string[] values = [.. Enumerable.Range(0, 300).Select(i => new string((char)('a' + (i % 26)), 3000))];
        string path = WriteFile("long-strings.parquet", new ParquetSchema(ColumnDescriptor.String("s")), [ColumnData.FromStrings(values)], new ParquetWriterOptions { MaxRowsPerPage = 50, Compression = CompressionCodec.Snappy });

        using (FileStream stream = File.OpenRead(path))
        {
            ParquetFooter footer = ParquetFooter.Read(stream);
            var pages = ParquetFooter.ReadPageHeaders(stream, footer.Metadata.RowGroups[0].Columns[0]);
            long longest = 0;
            for (int i = 0; i + 1 < pages.Count; i++)
            {
                longest = Math.Max(longest, pages[i + 1].Offset - pages[i].Offset - pages[i].Header.CompressedPageSize);
            }

            Assert.True(longest > 4096, $"the premise: a page header longer than 4 KiB (longest {longest})");
        }

        (int exit, string stdout, string stderr) = PqflowProcess.Run("inspect", "--pages", path);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Contains("  pages:", stdout, StringComparison.Ordinal);
        Assert.Equal(6, stdout.Split('\n').Count(l => l.Contains("data v1", StringComparison.Ordinal)));
    }

    [Fact]
    public void Nanosecond_timestamps_keep_every_digit()
    {
        long[] ts = [1_700_000_000_123_456_700, 1_700_000_000_500_000_000];
        string path = WriteFile("nanos.parquet", new ParquetSchema(ColumnDescriptor.Timestamp("ts", TimeUnit.Nanos), ColumnDescriptor.Timestamp("ms", TimeUnit.Millis, isAdjustedToUtc: false)),
            [ColumnData.From<long>(ts), ColumnData.From<long>(new long[] { 1_700_000_000_120, -1 })]);

        (int exit, string stdout, string stderr) = PqflowProcess.Run("inspect", path);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Contains("2023-11-14T22:13:20.123456700Z", stdout, StringComparison.Ordinal);
        Assert.Contains("2023-11-14T22:13:20.500000000Z", stdout, StringComparison.Ordinal);
        Assert.Contains("2023-11-14T22:13:20.120", stdout, StringComparison.Ordinal);
        Assert.Contains("1969-12-31T23:59:59.999", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_footer_without_the_optional_sizes_and_encoding_statistics_is_described_from_its_chunks()
    {
        string path = WriteFile("plain.parquet", new ParquetSchema(ColumnDescriptor.Int64("a"), ColumnDescriptor.Double("b")),
            [ColumnData.From<long>(Enumerable.Range(0, 5000).Select(i => (long)i).ToArray()), ColumnData.From<double>(Enumerable.Range(0, 5000).Select(i => i * 0.5).ToArray())], new ParquetWriterOptions { MaxRowsPerPage = 1000 });

        // Rewrite the footer as writers that leave total_compressed_size and encoding_stats out (both optional) do.
        byte[] bytes = File.ReadAllBytes(path);
        int footerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(bytes.Length - 8));
        int footerStart = bytes.Length - 8 - footerLength;
        FileMetaData meta = FileMetaData.Read(bytes.AsSpan(footerStart, footerLength));
        long chunks = meta.RowGroups[0].Columns.Sum(c => c.MetaData.TotalCompressedSize);
        meta.RowGroups[0].TotalCompressedSize = null;
        foreach (ColumnChunk chunk in meta.RowGroups[0].Columns)
        {
            chunk.MetaData.EncodingStats = null;
        }

        byte[] footer = meta.Serialize();
        string stripped = Path.Combine(_directory, "stripped.parquet");
        using (FileStream output = File.Create(stripped))
        {
            output.Write(bytes.AsSpan(0, footerStart));
            output.Write(footer);
            byte[] tail = new byte[8];
            BinaryPrimitives.WriteInt32LittleEndian(tail, footer.Length);
            "PAR1"u8.CopyTo(tail.AsSpan(4));
            output.Write(tail);
        }

        (int exit, string stdout, string stderr) = PqflowProcess.Run("inspect", stripped);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        string groupLine = Line(stdout, l => l.StartsWith("row group 0:", StringComparison.Ordinal));
        Assert.DoesNotContain(" 0 B compressed", groupLine, StringComparison.Ordinal);
        Assert.Contains($"{(chunks / 1024.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} KiB compressed", groupLine, StringComparison.Ordinal);
        string chunkLine = Line(stdout, l => l.TrimStart().StartsWith("a ", StringComparison.Ordinal) && l.EndsWith("column+offset", StringComparison.Ordinal));
        Assert.Contains(" - ", chunkLine, StringComparison.Ordinal); // pages unknown without statistics or a walk, not "0"

        (exit, stdout, stderr) = PqflowProcess.Run("inspect", "--pages", stripped);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        string walkedLine = Line(stdout, l => l.TrimStart().StartsWith("a ", StringComparison.Ordinal) && l.EndsWith("column+offset", StringComparison.Ordinal));
        Assert.Matches(@"\s5\s", walkedLine);
    }

    [Fact]
    public void A_directory_is_refused_in_one_line_by_inspect_and_recover()
    {
        AssertOneLineRefusal(PqflowProcess.Run("inspect", _directory), "is a directory, not a Parquet file");
        AssertOneLineRefusal(PqflowProcess.Run("recover", _directory), "is a directory, not a Parquet file");
    }

    [Fact]
    public void Damaged_files_are_refused_in_one_line()
    {
        string path = WriteFile("good.parquet", new ParquetSchema(ColumnDescriptor.Int64("a")), [ColumnData.From<long>(new long[] { 1, 2, 3 })]);
        byte[] bytes = File.ReadAllBytes(path);
        int footerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(bytes.Length - 8));

        byte[] zeroed = [.. bytes];
        zeroed.AsSpan(bytes.Length - 8 - footerLength, footerLength).Clear();
        string zeroedPath = Path.Combine(_directory, "zeroed.parquet");
        File.WriteAllBytes(zeroedPath, zeroed);
        AssertOneLineRefusal(PqflowProcess.Run("inspect", zeroedPath), "lacks its required field");

        string cutPath = Path.Combine(_directory, "cut.parquet");
        File.WriteAllBytes(cutPath, bytes[..^5]);
        AssertOneLineRefusal(PqflowProcess.Run("inspect", cutPath), "no footer");

        AssertOneLineRefusal(PqflowProcess.Run("inspect", Path.Combine(_directory, "missing.parquet")), "missing.parquet");
    }

    /// <summary>The first (or last) line of a report that matches, or a failure showing the report.</summary>
    private static string Line(string report, Func<string, bool> match, bool last = false)
    {
        string[] lines = [.. report.Split('\n').Where(match)];
        Assert.True(lines.Length > 0, $"no such line in:\n{report}");
        return last ? lines[^1] : lines[0];
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
