using ColumnDescriptor = ParquetFlow.Parquet.Schema.ColumnDescriptor;
using ParquetFileWriter = ParquetFlow.Parquet.ParquetFileWriter;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.Schema;
using ParquetFlow.Parquet;
using ParquetFlow.Tests.Shared;
using ParquetSharp;

namespace ParquetFlow.Interop.Tests;

/// <summary>
/// Page CRCs (<c>PageHeader.crc</c>): written by default on data and dictionary pages, checked by Arrow C++ (the
/// interop reads all verify them), and a flipped byte in page data is a damaged page in one line, never a crash.
/// </summary>
public sealed class PageChecksumTests : IClassFixture<DuckDbSession>, IDisposable
{
    private readonly DuckDbSession _duck;
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-crc-").FullName;

    public PageChecksumTests(DuckDbSession duck)
    {
        _duck = duck;
    }

    [Fact]
    public void The_checksum_is_the_standard_CRC_32_of_the_GZIP_polynomial()
    {
        // The check value of CRC-32/ISO-HDLC (zlib, GZIP, the polynomial the format names) for "123456789".
        Assert.Equal(0xCBF43926u, PageChecksum.Compute("1234"u8, "56789"u8));
    }

    [Theory]
    [InlineData(ParquetProfile.Compatible, CompressionCodec.Snappy)]
    [InlineData(ParquetProfile.Compact, CompressionCodec.Zstd)]
    public async Task Every_page_carries_a_checksum_that_Arrow_verifies_and_the_other_readers_accept(ParquetProfile profile, CompressionCodec codec)
    {
        var random = new Random(TestSeed.For("crc", profile, codec));
        GeneratedTable table = GeneratedTable.Create(random, ColumnCases.All, nullable: true, [700, 300]);
        string path = Path.Combine(_directory, $"crc-{profile}.parquet");
        table.Write(path, new ParquetWriterOptions { Profile = profile, Compression = codec, MaxRowsPerPage = 128 }, random);

        using (var stream = File.OpenRead(path))
        {
            ParquetFooter footer = ParquetFooter.Read(stream);
            int pages = 0;
            foreach (ColumnChunk chunk in footer.Metadata.RowGroups.SelectMany(g => g.Columns))
            {
                foreach ((long offset, PageHeader header, PageChecksumStatus status) in ParquetFooter.CheckPages(stream, chunk))
                {
                    Assert.True(status == PageChecksumStatus.Valid, $"page at {offset} ({header.Type}): {status}");
                    pages++;
                }
            }

            Assert.True(pages > 2 * ColumnCases.All.Count, $"{pages} pages");
        }

        // Arrow C++ reads with page checksum verification on (ArrowReader), DuckDB and Parquet.Net accept the field.
        await ThreeReaders.AssertReadBackAsync(_duck, table, path, $"{profile} {codec}", booleansRequestedRle: profile == ParquetProfile.Compact, defaultProfile: profile == ParquetProfile.Compatible);
    }

    [Fact]
    public void A_flipped_byte_in_page_data_is_a_damaged_page_for_Arrow_and_for_inspect_in_one_line()
    {
        string path = Path.Combine(_directory, "flipped.parquet");
        long[] values = [.. Enumerable.Range(0, 5000).Select(i => (long)i * 7919 % 100_003)];
        using (ParquetFileWriter writer = ParquetFileWriter.Create(path, new ParquetSchema(ColumnDescriptor.Int64("v")), new ParquetWriterOptions { Compression = CompressionCodec.Uncompressed }))
        {
            writer.Write([ColumnData.From<long>(values)]);
        }

        Assert.Equal(0, PqflowProcess.Run("inspect", "--pages", path).ExitCode);
        ColumnMetaData meta = ParquetFooter.Read(path).Metadata.RowGroups[0].Columns[0].MetaData;
        long lastDataByte = meta.DataPageOffset + meta.TotalCompressedSize - 1 - (meta.DictionaryPageOffset is long d ? meta.DataPageOffset - d : 0);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[lastDataByte] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        // Arrow C++ with verification refuses the page; without it, it would hand out a wrong value silently.
        Assert.ThrowsAny<Exception>(() =>
        {
            using var file = new ParquetFileReader(path, ArrowReader.VerifyingChecksums());
            using RowGroupReader group = file.RowGroup(0);
            using LogicalColumnReader<long> column = group.Column(0).LogicalReader<long>();
            column.ReadAll(values.Length);
        });

        (int exit, string stdout, string stderr) = PqflowProcess.Run("inspect", "--pages", path);
        Assert.Equal(1, exit);
        Assert.Single(stdout.Split('\n'), l => l.Contains("damaged page: row group 0, column v", StringComparison.Ordinal));
        Assert.Contains("DAMAGED", stdout, StringComparison.Ordinal);
        string[] errors = stderr.TrimEnd('\n').Split('\n');
        Assert.True(errors.Length == 1 && errors[0].Contains("1 damaged page(s)", StringComparison.Ordinal), stderr);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Checksums_can_be_turned_off()
    {
        string path = Path.Combine(_directory, "no-crc.parquet");
        using (ParquetFileWriter writer = ParquetFileWriter.Create(path, new ParquetSchema(ColumnDescriptor.Int64("v"), ColumnDescriptor.String("s")), new ParquetWriterOptions { WritePageChecksums = false }))
        {
            writer.Write([ColumnData.From<long>(new long[] { 1, 2, 3 }), ColumnData.FromStrings(new string?[] { "a", "b", "a" })]);
        }

        using var stream = File.OpenRead(path);
        ParquetFooter footer = ParquetFooter.Read(stream);
        Assert.All(footer.Metadata.RowGroups[0].Columns, c => Assert.All(ParquetFooter.CheckPages(stream, c), p => Assert.Equal(PageChecksumStatus.Absent, p.Checksum)));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
