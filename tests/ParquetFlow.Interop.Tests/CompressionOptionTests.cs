using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Interop.Tests;

/// <summary>The <c>--compression</c> option of the commands that write Parquet offers what the writer writes and refuses the rest in one line.</summary>
public sealed class CompressionOptionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-codec-").FullName;

    [Theory]
    [InlineData("demo")]
    [InlineData("shm", "record")]
    public void Help_offers_only_the_codecs_the_writer_writes(params string[] command)
    {
        (int exit, string stdout, _) = PqflowProcess.Run([.. command, "--help"]);
        Assert.Equal(0, exit);
        string line = stdout.Split('\n').Single(l => l.Contains("--compression", StringComparison.Ordinal));
        Assert.Contains("<Uncompressed|Snappy|Gzip|Zstd|Lz4Raw>", line, StringComparison.Ordinal);
        foreach (string unsupported in new[] { "Lzo", "Brotli", "Lz4|", "|Lz4>" })
        {
            Assert.DoesNotContain(unsupported, line, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Lzo")]
    [InlineData("Brotli")]
    [InlineData("Lz4")]
    public void Demo_and_shm_record_refuse_a_codec_the_writer_cannot_write_in_one_line(string codec)
    {
        string output = Path.Combine(_directory, codec + ".parquet");
        foreach (string[] command in new[] { new[] { "demo", "--file", "--rows", "10", "--output", output }, new[] { "shm", "record", "no-such-segment", output } })
        {
            (int exit, string stdout, string stderr) = PqflowProcess.Run([.. command, "--compression", codec]);
            Assert.Equal(2, exit);
            string[] lines = stderr.TrimEnd('\n').Split('\n');
            Assert.True(lines.Length == 1, $"{string.Join(' ', command)}: expected one line, got:\n{stderr}");
            Assert.Contains($"--compression {codec} is not supported for writing", lines[0], StringComparison.Ordinal);
            Assert.EndsWith("use one of Uncompressed, Snappy, Gzip, Zstd, Lz4Raw", lines[0], StringComparison.Ordinal);
            Assert.DoesNotContain("wrote", stdout, StringComparison.Ordinal);
            Assert.False(File.Exists(output));
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
