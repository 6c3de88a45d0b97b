using System.Buffers.Binary;
using System.Diagnostics;
using ParquetFlow.Cli.Recording;
using ParquetFlow.Ipc;
using ParquetFlow.Sink;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Cli.Tests;

/// <summary>
/// <c>pqflow shm record</c> writing through the log sink, run as a real process against a segment this test produces;
/// every file is read back by Parquet.Net.
/// </summary>
public sealed class ShmRecordSinkTests : IDisposable
{
    private const string SchemaKey = "pqflow.shared_ring.schema";

    /// <summary>Every shared-ring type, in an order that pads and widens (the rows are converted field by field).</summary>
    private static readonly SharedColumnType[] s_padded =
    [
        SharedColumnType.TimestampNs, SharedColumnType.I16, SharedColumnType.U8, SharedColumnType.F64, SharedColumnType.Bool,
        SharedColumnType.U32, SharedColumnType.U16, SharedColumnType.I64, SharedColumnType.F32, SharedColumnType.I32, SharedColumnType.U64,
    ];

    /// <summary>Types the sink stores at their own size, laid out without a gap: the rows pass straight through.</summary>
    private static readonly SharedColumnType[] s_packed =
    [
        SharedColumnType.TimestampNs, SharedColumnType.F64, SharedColumnType.I64, SharedColumnType.U64,
        SharedColumnType.I32, SharedColumnType.U32, SharedColumnType.F32, SharedColumnType.Bool,
    ];

    private readonly string _root = Directory.CreateTempSubdirectory("pqflow-shm-sink-").FullName;
    private readonly string _segments;
    private readonly string _out;

    public ShmRecordSinkTests()
    {
        _segments = Directory.CreateDirectory(Path.Combine(_root, "segments")).FullName;
        _out = Directory.CreateDirectory(Path.Combine(_root, "out")).FullName;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Every_row_and_every_column_type_round_trips_through_the_sink(bool padded)
    {
        SharedColumnType[] types = padded ? s_padded : s_packed;
        using (SharedRingProducer producer = Produce("all", types, capacity: 4096, rows: 2500))
        {
            Assert.Equal(!padded, new SharedRowRecords(producer.Schema).PassesRowsThrough);
        }

        string output = Path.Combine(_out, "all.parquet");
        (int exit, _, string stderr) = Record("all", output, "--row-group", "1000", "--row-group-timeout", "3600");
        Assert.True(exit == 0, stderr);
        Assert.Contains($"recorded 2500 rows to {output}", stderr, StringComparison.Ordinal);

        ParquetReadBack file = await ParquetReadBack.ReadAsync(output);
        Assert.Equal(types.Select(ColumnName), file.Names);
        Assert.Equal(types.Select(ClrType), file.ClrTypes);
        Assert.Equal([1000L, 1000, 500], file.RowGroupRows);
        Assert.Equal(SharedRing.Inspect("all", _segments).SchemaJson, file.Metadata[SchemaKey]);
        for (int c = 0; c < types.Length; c++)
        {
            for (int s = 0; s < 2500; s++)
            {
                Assert.Equal(Expected(types[c], s), file.Columns[c].GetValue(s));
            }
        }
    }

    [Fact]
    public async Task A_plain_output_is_exactly_that_one_file_replaced_and_there_even_without_rows()
    {
        string output = Path.Combine(_out, "plain.parquet");
        File.WriteAllText(output, "an older recording");
        Produce("plain", s_padded, capacity: 64, rows: 10).Dispose();

        (int exit, _, string stderr) = Record("plain", output);
        Assert.True(exit == 0, stderr);
        Assert.Equal([output], Directory.GetFiles(_out));
        Assert.Equal(10, (await ParquetReadBack.ReadAsync(output)).Rows);

        // A consumer starting at the head of a closed segment reads nothing: the file is still there, schema and metadata only.
        (exit, _, stderr) = Record("plain", output, "--from", "Latest");
        Assert.True(exit == 0, stderr);
        Assert.Equal([output], Directory.GetFiles(_out));
        ParquetReadBack empty = await ParquetReadBack.ReadAsync(output);
        Assert.Equal(0, empty.Rows);
        Assert.Equal(s_padded.Select(ColumnName), empty.Names);
        Assert.True(empty.Metadata.ContainsKey(SchemaKey));
    }

    [Theory]
    [InlineData("r-{seq}.parquet", new[] { "--rotate-rows", "300" }, new[] { "r-000000.parquet", "r-000001.parquet", "r-000002.parquet", "r-000003.parquet" }, new[] { 300L, 300, 300, 100 })]
    [InlineData("r-{seq}.parquet", new[] { "--rotate-bytes", "1", "--row-group", "250" }, new[] { "r-000000.parquet", "r-000001.parquet", "r-000002.parquet", "r-000003.parquet" }, new[] { 250L, 250, 250, 250 })]
    [InlineData("r.parquet", new[] { "--rotate-rows", "400" }, new[] { "r-000001.parquet", "r-000002.parquet", "r.parquet" }, new[] { 400L, 200, 400 })]
    public async Task Rotation_spreads_the_rows_over_several_files_that_add_up(string output, string[] options, string[] names, long[] rows)
    {
        Produce("rot", s_packed, capacity: 4096, rows: 1000).Dispose();
        (int exit, _, string stderr) = Record("rot", Path.Combine(_out, output), [.. options, "--row-group-timeout", "3600"]);
        Assert.True(exit == 0, stderr);
        Assert.Contains($"recorded 1000 rows to {names.Length} files", stderr, StringComparison.Ordinal);

        string[] files = [.. Directory.GetFiles(_out).Order(StringComparer.Ordinal)];
        Assert.Equal(names, files.Select(Path.GetFileName));
        var read = new List<ParquetReadBack>();
        foreach (string file in files)
        {
            read.Add(await ParquetReadBack.ReadAsync(file));
        }

        Assert.Equal(rows, read.Select(f => f.Rows));

        // In the order the sink wrote them (a plain path's first file has no number), the files hold rows 0..999 once each.
        int first = Array.FindIndex(names, n => !n.Contains('-', StringComparison.Ordinal));
        ParquetReadBack[] written = first <= 0 ? [.. read] : [read[first], .. read.Where((_, i) => i != first)];
        Assert.Equal(Enumerable.Range(0, 1000).Select(s => (long)s), written.SelectMany(f => f.Column<long>("i64")));
    }

    [Theory]
    [InlineData("k-{seq}.parquet", "k-000000.parquet", "k-000001.parquet")]
    [InlineData("k.parquet", "k.parquet", "k-000001.parquet")]
    public async Task A_recorder_killed_midway_leaves_a_file_in_progress_that_the_next_run_recovers(string output, string recoveredName, string nextName)
    {
        string pattern = Path.Combine(_out, output);
        string recovered = Path.Combine(_out, recoveredName);
        string inProgress = recovered + ParquetRecovery.InProgressSuffix;
        SharedRingProducer producer = Produce("kill", s_packed, capacity: 4096, rows: 1000);
        try
        {
            ProcessStartInfo start = BuiltPaths.Command(
                BuiltPaths.Built("src/pqflow", "pqflow.dll"),
                ["shm", "record", "kill", pattern, "--from", "Oldest", "--row-group", "100", "--row-group-timeout", "3600", "--dir", _segments]);
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            using Process recorder = Process.Start(start) ?? throw new InvalidOperationException("pqflow did not start");
            recorder.OutputDataReceived += (_, _) => { };
            recorder.ErrorDataReceived += (_, _) => { };
            recorder.BeginOutputReadLine();
            recorder.BeginErrorReadLine();

            // The producer is alive, so the recorder never ends by itself: killed once 3 row groups are durable.
            var waited = Stopwatch.StartNew();
            while (DurableRowGroups(inProgress) < 3)
            {
                Assert.False(recorder.HasExited, $"the recorder exited with {(recorder.HasExited ? recorder.ExitCode : 0)} before it was killed");
                Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1), $"{inProgress} had fewer than 3 durable row groups after a minute");
                Thread.Sleep(20);
            }

            recorder.Kill(); // SIGKILL
            recorder.WaitForExit();
        }
        finally
        {
            producer.Dispose();
        }

        Assert.True(File.Exists(inProgress), "the killed recorder left no file in progress");
        Assert.False(File.Exists(recovered));

        (int exit, _, string stderr) = Record("kill", pattern, "--from", "Oldest");
        Assert.True(exit == 0, stderr);
        Assert.Contains($"recovered {recovered} left in progress by a crash", stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_out, "*" + ParquetRecovery.InProgressSuffix + "*"));

        // What the killed run made durable: whole row groups from row 0, in order, with the segment's schema.
        ParquetReadBack kept = await ParquetReadBack.ReadAsync(recovered);
        Assert.InRange(kept.Rows, 300, 1000);
        Assert.All(kept.RowGroupRows, rows => Assert.Equal(100, rows));
        Assert.Equal(Enumerable.Range(0, (int)kept.Rows).Select(s => (long)s), kept.Column<long>("i64"));
        Assert.True(kept.Metadata.ContainsKey(SchemaKey));

        // The next run read the whole ring again into a file of its own.
        ParquetReadBack next = await ParquetReadBack.ReadAsync(Path.Combine(_out, nextName));
        Assert.Equal(Enumerable.Range(0, 1000).Select(s => (long)s), next.Column<long>("i64"));
    }

    [Fact]
    public void A_recording_the_disk_refuses_exits_1_saying_how_many_rows_are_not_in_the_files()
    {
        using SmallDisk? disk = SmallDisk.TryMount(256, out string? refusal);
        if (disk is null)
        {
            Assert.Skip(refusal!);
        }

        disk.Fill();
        Produce("full", s_padded, capacity: 4096, rows: 1000).Dispose();
        (int exit, _, string stderr) = Record("full", Path.Combine(disk.Path, "full.parquet"), "--from", "Oldest");
        Assert.True(exit == 1, stderr);
        Assert.Contains("pqflow shm record: 1000 rows are not in the files", stderr, StringComparison.Ordinal);
    }

    /// <summary>Row groups a recovery of the file in progress would keep now, found on a copy (the recorder keeps writing the original).</summary>
    private int DurableRowGroups(string inProgress)
    {
        string probe = Path.Combine(_root, "probe.parquet");
        try
        {
            // The journal first: the data file copied after it holds at least the row groups the journal names.
            File.Copy(inProgress + ".journal", probe + ".journal", overwrite: true);
            File.Copy(inProgress, probe, overwrite: true);
            return ParquetRecovery.Recover(probe).RowGroups;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ParquetFlow.Parquet.ParquetFormatException)
        {
            return 0; // not there yet, or the journal's header not yet whole
        }
    }

    private (int ExitCode, string Stdout, string Stderr) Record(string segment, string output, params string[] options) =>
        PqflowProcess.Run(["shm", "record", segment, output, .. (options.Contains("--from") ? options : [.. options, "--from", "Oldest"]), "--dir", _segments]);

    /// <summary>A segment with one column per type (named after it) holding rows 0..<paramref name="rows"/>-1; the producer stays attached until disposed.</summary>
    private SharedRingProducer Produce(string name, SharedColumnType[] types, long capacity, long rows)
    {
        var builder = new SharedRingBuilder(name).Directory(_segments).Rows(capacity);
        foreach (SharedColumnType type in types)
        {
            builder.Column(ColumnName(type), type);
        }

        SharedRingProducer producer = builder.CreateProducer();
        for (long s = 0; s < rows; s++)
        {
            Span<byte> row = producer.BeginRow();
            foreach (SharedRingColumn column in producer.Schema.Columns)
            {
                Write(row[column.Offset..], column.Type, s);
            }

            producer.PublishRow();
        }

        return producer;
    }

    private static string ColumnName(SharedColumnType type) => SharedRingColumn.NameOf(type);

    /// <summary>Row <paramref name="s"/>'s value of a column of <paramref name="type"/>, reaching each type's extremes.</summary>
    private static void Write(Span<byte> at, SharedColumnType type, long s)
    {
        switch (type)
        {
            case SharedColumnType.TimestampNs: BinaryPrimitives.WriteInt64LittleEndian(at, 1_700_000_000_000_000_000 + (s * 1000)); break;
            case SharedColumnType.I64: BinaryPrimitives.WriteInt64LittleEndian(at, s); break;
            case SharedColumnType.U64: BinaryPrimitives.WriteUInt64LittleEndian(at, ulong.MaxValue - (ulong)s); break;
            case SharedColumnType.F64: BinaryPrimitives.WriteDoubleLittleEndian(at, (s * 0.25) - 100); break;
            case SharedColumnType.I32: BinaryPrimitives.WriteInt32LittleEndian(at, int.MinValue + (int)(s * 11)); break;
            case SharedColumnType.U32: BinaryPrimitives.WriteUInt32LittleEndian(at, uint.MaxValue - (uint)(s * 7)); break;
            case SharedColumnType.F32: BinaryPrimitives.WriteSingleLittleEndian(at, (s * 1.5f) - 7); break;
            case SharedColumnType.I16: BinaryPrimitives.WriteInt16LittleEndian(at, unchecked((short)((s * 331) - 32768))); break;
            case SharedColumnType.U16: BinaryPrimitives.WriteUInt16LittleEndian(at, unchecked((ushort)(65535 - (s * 13)))); break;
            case SharedColumnType.U8: at[0] = unchecked((byte)(255 - s)); break;
            default: at[0] = (byte)(s % 3 == 0 ? 1 : 0); break;
        }
    }

    /// <summary>What <see cref="Write"/> put in row <paramref name="s"/>, as the physical value Parquet.Net reads back.</summary>
    private static object Expected(SharedColumnType type, long s) => type switch
    {
        SharedColumnType.TimestampNs => 1_700_000_000_000_000_000 + (s * 1000),
        SharedColumnType.I64 => s,
        SharedColumnType.U64 => unchecked((long)(ulong.MaxValue - (ulong)s)),
        SharedColumnType.F64 => (s * 0.25) - 100,
        SharedColumnType.I32 => int.MinValue + (int)(s * 11),
        SharedColumnType.U32 => unchecked((int)(uint.MaxValue - (uint)(s * 7))),
        SharedColumnType.F32 => (s * 1.5f) - 7,
        SharedColumnType.I16 => (int)unchecked((short)((s * 331) - 32768)),
        SharedColumnType.U16 => (int)unchecked((ushort)(65535 - (s * 13))),
        SharedColumnType.U8 => (int)unchecked((byte)(255 - s)),
        _ => s % 3 == 0,
    };

    /// <summary>The CLR type Parquet.Net gives the column, which shows its logical type.</summary>
    private static Type ClrType(SharedColumnType type) => type switch
    {
        SharedColumnType.TimestampNs => typeof(DateTime),
        SharedColumnType.I64 => typeof(long),
        SharedColumnType.U64 => typeof(ulong),
        SharedColumnType.F64 => typeof(double),
        SharedColumnType.I32 => typeof(int),
        SharedColumnType.U32 => typeof(uint),
        SharedColumnType.F32 => typeof(float),
        SharedColumnType.I16 => typeof(short),
        SharedColumnType.U16 => typeof(ushort),
        SharedColumnType.U8 => typeof(byte),
        _ => typeof(bool),
    };
}
