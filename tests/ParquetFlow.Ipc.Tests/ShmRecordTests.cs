using Parquet;
using Parquet.Data;
using Parquet.Schema;
using ParquetFlow.Ipc.TestProcess;

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
        (int code, _, string stderr) = ToolPaths.Pqflow("shm", "record", "rec", output, "--from", "Oldest", "--row-group", "300", "--dir", _dir.Path);
        Assert.True(code == 0, stderr);
        Assert.Contains("recorded 1000 rows", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output + ".tmp"));

        await using FileStream stream = File.OpenRead(output);
        await using ParquetReader reader = await ParquetReader.CreateAsync(stream);
        DataField[] fields = reader.Schema.DataFields;
        Assert.Equal(["ts", "seq", "value", "level", "ratio", "code", "flag", "small"], fields.Select(f => f.Name));
        Assert.Equal([typeof(DateTime), typeof(ulong), typeof(double), typeof(int), typeof(float), typeof(short), typeof(bool), typeof(byte)], fields.Select(f => f.ClrType));
        Assert.Equal(4, reader.RowGroupCount);
        long s = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using ParquetRowGroupReader group = reader.OpenRowGroupReader(g);
            var columns = new Array[fields.Length];
            for (int i = 0; i < fields.Length; i++)
            {
                columns[i] = await ReadAsync(group, fields[i]);
            }

            for (int r = 0; r < columns[0].Length; r++, s++)
            {
                Assert.Equal(TestRows.TimeBase + (s * 1000), Convert.ToInt64(columns[0].GetValue(r), System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal((ulong)s, Convert.ToUInt64(columns[1].GetValue(r), System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(s * 0.5, Convert.ToDouble(columns[2].GetValue(r), System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal((int)(s % 1000) - 500, Convert.ToInt32(columns[3].GetValue(r), System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal((float)(s % 100000), Convert.ToSingle(columns[4].GetValue(r), System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(-(s % 30000), Convert.ToInt64(columns[5].GetValue(r), System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(s % 2 == 0, Convert.ToBoolean(columns[6].GetValue(r), System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(s % 256, Convert.ToInt64(columns[7].GetValue(r), System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        Assert.Equal(1000, s);
    }

    private static async Task<Array> ReadAsync(ParquetRowGroupReader group, DataField field)
    {
        // Parquet.Net 6.1 decodes DELTA_BINARY_PACKED only into int and long, not into the CLR types it maps logical
        // types to (DateTime, ulong, short, byte): read integer columns as their physical INT32/INT64.
        Type t = field.ClrType;
        return t == typeof(double) ? await Read<double>(group, field)
            : t == typeof(float) ? await Read<float>(group, field)
            : t == typeof(bool) ? await Read<bool>(group, field)
            : t == typeof(DateTime) || t == typeof(long) || t == typeof(ulong) ? await Read<long>(group, Physical<long>(field))
            : await Read<int>(group, Physical<int>(field));
    }

    private static DataField<T> Physical<T>(DataField field)
    {
        var raw = new DataField<T>(field.Name);
        _ = new ParquetSchema(raw); // a field reads only once attached to a schema (that gives it its path)
        return raw;
    }

    private static async Task<Array> Read<T>(ParquetRowGroupReader group, DataField field)
        where T : struct
    {
        var values = new T[group.RowCount];
        await group.ReadAsync<T>(field, values.AsMemory(), null, CancellationToken.None);
        return values;
    }
}
