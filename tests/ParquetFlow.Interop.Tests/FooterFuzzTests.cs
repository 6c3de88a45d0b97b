using System.Buffers.Binary;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.Schema;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Interop.Tests;

/// <summary>
/// Seeded fuzzing of the footer reader, the page-header walk, the page index reads and <c>pqflow inspect</c>'s report:
/// thousands of damaged variants of valid files (the project's own and DuckDB's, nested ones included) each end in a
/// <see cref="ParquetFormatException"/> (or <see cref="InvalidDataException"/>) with a message, or in a description;
/// never another exception, never a hang, and within a bounded allocation. The longer, coverage-guided run is
/// <c>scripts/fuzz-footer.sh</c> (SharpFuzz and AFL++, outside the suite).
/// </summary>
public sealed class FooterFuzzTests : IClassFixture<DuckDbSession>, IDisposable
{
    private const int Cases = 20_000;
    private const long MaxAllocatedPerCase = 64L * 1024 * 1024;
    private static readonly TimeSpan s_caseTimeout = TimeSpan.FromSeconds(30);

    private readonly DuckDbSession _duck;
    private readonly ITestOutputHelper _output;
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-fuzz-").FullName;

    public FooterFuzzTests(DuckDbSession duck, ITestOutputHelper output)
    {
        _duck = duck;
        _output = output;
    }

    [Fact]
    public async Task Damaged_files_are_refused_or_described_never_crash_hang_or_blow_up_memory()
    {
        int seed = TestSeed.For("footer-fuzz");
        _output.WriteLine(TestSeed.Describe(seed));
        var random = new Random(seed);
        byte[][] seeds = [.. SeedFiles()];
        foreach (byte[] valid in seeds)
        {
            Assert.Null(FooterProbe.Describe(valid));
        }

        int refused = 0;
        int described = 0;
        var failures = new List<string>();
        for (int i = 0; i < Cases && failures.Count < 5; i++)
        {
            byte[] source = seeds[random.Next(seeds.Length)];
            (byte[] damaged, string how) = Damage(source, random);
            string where = $"case {i} ({how}) of {TestSeed.Describe(seed)}";
            string? refusal = null;
            Exception? crash = null;
            long allocated = 0;
            Task run = Task.Run(
                () =>
                {
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    try
                    {
                        refusal = FooterProbe.Describe(damaged);
                    }
                    catch (Exception e)
                    {
                        crash = e;
                    }

                    allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                },
                CancellationToken.None);
            try
            {
                await run.WaitAsync(s_caseTimeout);
            }
            catch (TimeoutException)
            {
                // A hang (a bound is 30 s, not a speed): the case is reported and the run stops, its thread left behind.
                failures.Add($"{where}: did not finish within {s_caseTimeout.TotalSeconds} s");
                break;
            }

            if (crash is not null)
            {
                failures.Add($"{where}: {crash.GetType().Name}: {crash.Message}\n{crash.StackTrace}");
            }
            else if (allocated > MaxAllocatedPerCase)
            {
                failures.Add($"{where}: allocated {allocated:N0} bytes");
            }
            else if (refusal is not null)
            {
                Assert.False(string.IsNullOrWhiteSpace(refusal), $"{where}: a refusal without a message");
                refused++;
            }
            else
            {
                described++;
            }
        }

        _output.WriteLine($"{refused} refused, {described} described, {failures.Count} failures");
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));

        // The damage reaches both outcomes: a fuzzer that only ever broke the magic would prove little.
        Assert.True(refused > Cases / 10, $"only {refused} of {Cases} damaged files were refused");
        Assert.True(described > Cases / 20, $"only {described} of {Cases} damaged files were described");
    }

    /// <summary>One damaged copy of <paramref name="source"/> and what was done to it.</summary>
    internal static (byte[] File, string How) Damage(byte[] source, Random random)
    {
        byte[] file = [.. source];
        int footerLength = BinaryPrimitives.ReadInt32LittleEndian(source.AsSpan(source.Length - 8));
        int footerStart = source.Length - 8 - footerLength;
        switch (random.Next(7))
        {
            case 0:
            {
                int length = random.Next(file.Length);
                return (file[..length], $"truncated to {length}");
            }

            case 1:
            {
                int flips = 1 + random.Next(8);
                bool inFooter = random.Next(2) == 0;
                for (int f = 0; f < flips; f++)
                {
                    int at = inFooter ? footerStart + random.Next(footerLength) : random.Next(file.Length);
                    file[at] ^= (byte)(1 << random.Next(8));
                }

                return (file, $"{flips} bits flipped {(inFooter ? "in the footer" : "anywhere")}");
            }

            case 2:
            {
                int block = random.Next(2) == 0 ? 512 : 4096;
                int at = random.Next(Math.Max(1, file.Length / block + 1)) * block;
                file.AsSpan(Math.Min(at, file.Length), Math.Min(block, file.Length - Math.Min(at, file.Length))).Clear();
                return (file, $"{block}-byte block zeroed at {at}");
            }

            case 3:
            {
                int length = random.Next(4) switch
                {
                    0 => random.Next(),
                    1 => -random.Next(),
                    2 => footerLength + random.Next(-16, 17),
                    _ => random.Next(file.Length),
                };
                BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(file.Length - 8), length);
                return (file, $"footer length {length}");
            }

            case 4:
            {
                int count = 1 + random.Next(Math.Min(64, footerLength));
                int at = footerStart + random.Next(footerLength - count + 1);
                random.NextBytes(file.AsSpan(at, count));
                return (file, $"{count} random bytes in the footer at {at}");
            }

            case 5:
            {
                // Bytes inserted into or cut out of the footer, its length field kept right: every later field shifts.
                int at = footerStart + random.Next(footerLength);
                int change = random.Next(2) == 0 ? -(1 + random.Next(Math.Min(16, source.Length - 8 - at))) : 1 + random.Next(16);
                byte[] inserted = new byte[Math.Max(0, change)];
                random.NextBytes(inserted);
                byte[] shifted = [.. source.AsSpan(0, at), .. inserted, .. source.AsSpan(at - Math.Min(0, change), source.Length - 8 - at + Math.Min(0, change)), .. source.AsSpan(source.Length - 8)];
                BinaryPrimitives.WriteInt32LittleEndian(shifted.AsSpan(shifted.Length - 8), footerLength + change);
                return (shifted, $"{change:+#;-#} bytes at {at} in the footer");
            }

            default:
            {
                // Damage the page headers the walk reads: random bytes at a page boundary of a chunk.
                using var stream = new MemoryStream(source, writable: false);
                ParquetFooter footer = ParquetFooter.Read(stream);
                if (footer.Metadata.RowGroups.Count == 0)
                {
                    goto case 4;
                }

                RowGroup group = footer.Metadata.RowGroups[random.Next(footer.Metadata.RowGroups.Count)];
                ColumnChunk chunk = group.Columns[random.Next(group.Columns.Count)];
                var pages = ParquetFooter.ReadPageHeaders(stream, chunk);
                long page = pages[random.Next(pages.Count)].Offset;
                int count = 1 + random.Next(12);
                int at = (int)page + random.Next(8);
                random.NextBytes(file.AsSpan(at, Math.Min(count, footerStart - at)));
                return (file, $"{count} random bytes in a page header at {at}");
            }
        }
    }

    /// <summary>Small valid files: the project's own (flat, several row groups, long string statistics) and DuckDB's (nested).</summary>
    private IEnumerable<byte[]> SeedFiles()
    {
        var schema = new ParquetSchema(
            ColumnDescriptor.Timestamp("ts", TimeUnit.Nanos),
            ColumnDescriptor.String("s", nullable: true),
            ColumnDescriptor.Double("d"),
            ColumnDescriptor.Int32("i", nullable: true, LogicalType.Integer(16, true)),
            ColumnDescriptor.FixedLenByteArray("dec", 8, logicalType: LogicalType.Decimal(18, 4)));
        foreach (CompressionCodec codec in new[] { CompressionCodec.Uncompressed, CompressionCodec.Zstd })
        {
            var stream = new MemoryStream();
            using (var writer = new ParquetFileWriter(stream, schema, new ParquetWriterOptions { Compression = codec, MaxRowsPerPage = 40, DataPageVersion = codec == CompressionCodec.Zstd ? DataPageVersion.V2 : DataPageVersion.V1 }, leaveOpen: true))
            {
                for (int g = 0; g < 3; g++)
                {
                    const int rows = 100;
                    string?[] strings = [.. Enumerable.Range(0, rows).Select(r => r % 9 == 0 ? null : new string((char)('a' + (r % 26)), r % 50 == 1 ? 700 : 3))];
                    byte[] levels = [.. Enumerable.Range(0, rows).Select(r => (byte)(r % 4 == 0 ? 0 : 1))];
                    writer.Write(
                    [
                        ColumnData.From<long>(Enumerable.Range(0, rows).Select(r => 1_700_000_000_000_000_000L + (g * 1000L) + r).ToArray()),
                        ColumnData.FromStrings(strings),
                        ColumnData.From<double>(Enumerable.Range(0, rows).Select(r => r * 0.25).ToArray()),
                        ColumnData.From<int>(Enumerable.Range(0, rows).Where(r => r % 4 != 0).ToArray(), levels),
                        ColumnData.FromByteArrays(new byte[rows * 8], Enumerable.Range(0, rows + 1).Select(r => r * 8).ToArray()),
                    ]);
                }
            }

            yield return stream.ToArray();
        }

        string path = Path.Combine(_directory, "duck.parquet");
        _duck.Query($"""
            COPY (
                SELECT i AS id, [i, NULL] AS l, {'{'}'a': i, 'b': [i::VARCHAR]{'}'} AS st, map(['k'], [i]) AS m, 'text' || i::VARCHAR AS t
                FROM range(300) r(i)
            ) TO {DuckDbSession.Literal(path)} (FORMAT PARQUET, ROW_GROUP_SIZE 100)
            """);
        yield return File.ReadAllBytes(path);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
