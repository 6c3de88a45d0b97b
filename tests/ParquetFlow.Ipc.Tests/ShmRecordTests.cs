using ParquetFlow.Ipc.TestProcess;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Ipc.Tests;

/// <summary><c>pqflow shm record</c> as a real process; the file is read back by Parquet.Net.</summary>
public sealed class ShmRecordTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Record_writes_every_row_of_the_ring_into_parquet_with_typed_columns()
    {
        using (var producer = ToolPaths.StartDotnet(ToolPaths.TestProcessDll, "shared-producer", "rec", _dir.Path, "1024", "1000"))
        {
            Assert.Equal("head 1000", producer.StandardOutput.ReadLine());
            producer.StandardInput.WriteLine("exit");
            producer.WaitForExit();
        }

        string output = _dir.File("rec.parquet");
        (int code, _, string stderr) = ToolPaths.Pqflow("shm", "record", "rec", output, "--from", "Oldest", "--row-group", "300", "--row-group-timeout", "3600", "--dir", _dir.Path);
        Assert.True(code == 0, stderr);
        Assert.Contains("recorded 1000 rows", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output + ".tmp"));

        ParquetReadBack file = await ParquetReadBack.ReadAsync(output);
        Assert.Equal(["ts", "seq", "value", "level", "ratio", "code", "flag", "small"], file.Names);
        Assert.Equal([typeof(DateTime), typeof(ulong), typeof(double), typeof(int), typeof(float), typeof(short), typeof(bool), typeof(byte)], file.ClrTypes);
        Assert.Equal([300L, 300, 300, 100], file.RowGroupRows);
        for (int s = 0; s < 1000; s++)
        {
            Assert.Equal(TestRows.TimeBase + (s * 1000L), file.Column<long>("ts")[s]);
            Assert.Equal(s, file.Column<long>("seq")[s]);
            Assert.Equal(s * 0.5, file.Column<double>("value")[s]);
            Assert.Equal((s % 1000) - 500, file.Column<int>("level")[s]);
            Assert.Equal((float)(s % 100000), file.Column<float>("ratio")[s]);
            Assert.Equal(-(s % 30000), file.Column<int>("code")[s]);
            Assert.Equal(s % 2 == 0, file.Column<bool>("flag")[s]);
            Assert.Equal(s % 256, file.Column<int>("small")[s]);
        }
    }
}
