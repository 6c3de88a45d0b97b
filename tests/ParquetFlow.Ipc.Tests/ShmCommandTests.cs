namespace ParquetFlow.Ipc.Tests;

/// <summary><c>pqflow shm ...</c> run as real processes against segments in a private directory.</summary>
public sealed class ShmCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private (int Code, string Stdout, string Stderr) Shm(string[] args, string? stdin = null) =>
        ToolPaths.PqflowWithInput(stdin, ["shm", .. args, "--dir", _dir.Path]);

    [Fact]
    public void Create_write_tail_stats_and_list_round_trip_typed_rows()
    {
        (int code, string stdout, string stderr) = Shm(["create", "quotes", "--rows", "100", "-c", "ts:timestamp_ns", "-c", "price:f64", "-c", "qty:i32", "-c", "ok:bool", "-c", "venue:u8"]);
        Assert.True(code == 0, stderr);
        Assert.Equal(Path.Combine(_dir.Path, "pqflow-quotes"), stdout.Trim());
        Assert.Contains("created", stderr, StringComparison.Ordinal);

        (code, _, stderr) = Shm(["write", "quotes"], "2024-01-01T00:00:00Z,101.25,7,true,3\n# comment\n1704067200000000005,99.5,-2,0,250\n");
        Assert.True(code == 0, stderr);
        Assert.Contains("published 2 rows", stderr, StringComparison.Ordinal);

        (code, stdout, _) = Shm(["tail", "quotes", "-n", "5"]);
        Assert.Equal(0, code);
        Assert.Equal("seq,ts,price,qty,ok,venue\n0,1704067200000000000,101.25,7,true,3\n1,1704067200000000005,99.5,-2,false,250\n", stdout);

        (code, stdout, _) = Shm(["stats", "quotes"]);
        Assert.Equal(0, code);
        Assert.Contains("capacity:  128 rows x 32 bytes, lock-free", stdout, StringComparison.Ordinal);
        Assert.Contains("head:      2", stdout, StringComparison.Ordinal);
        Assert.Contains("closed, generation 2", stdout, StringComparison.Ordinal);
        Assert.Contains("\"name\":\"venue\",\"type\":\"u8\",\"offset\":29", stdout, StringComparison.Ordinal);

        (code, stdout, _) = Shm(["list"]);
        Assert.Equal(0, code);
        Assert.Matches(@"(?m)^name\s+rows\s+row bytes\s+head\s+producer\s+pid\s+consumers\s+path$", stdout);
        Assert.Matches(@"(?m)^quotes\s+128\s+32\s+2\s+closed\s+\d+\s+0\s+/\S+pqflow-quotes$", stdout);
    }

    [Fact]
    public void Tail_follow_as_a_named_consumer_prints_new_rows_until_the_producer_closes()
    {
        Assert.Equal(0, Shm(["create", "feed", "--rows", "64", "-c", "v:i64"]).Code);
        Assert.Equal(0, Shm(["write", "feed", "-r", "1", "-r", "2"]).Code);

        // Nothing new has been published and the producer is closed: follow prints the tail and stops.
        (int code, string stdout, string stderr) = Shm(["tail", "feed", "-n", "1", "--follow", "--consumer", "auditor"]);
        Assert.True(code == 0, stderr);
        Assert.Equal("seq,v\n1,2\n", stdout);
        Assert.Contains("producer closed", stderr, StringComparison.Ordinal);

        Assert.Equal(0, Shm(["write", "feed", "--generate", "3"]).Code);
        (code, stdout, _) = Shm(["tail", "feed", "-n", "0", "--follow", "--consumer", "auditor"]);
        Assert.Equal(0, code);
        Assert.Equal("seq,v\n2,2\n3,3\n4,4\n", stdout); // resumed at its cursor: exactly the rows it had not seen

        (_, stdout, _) = Shm(["stats", "feed"]);
        Assert.Contains("auditor", stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s+auditor\s+detached\s+5\s+0\s+0$", stdout); // name, state, (no pid), cursor, lag, lost
    }

    [Fact]
    public void Tail_and_record_exit_1_saying_how_many_rows_they_missed_when_the_producer_lapped_them()
    {
        Assert.Equal(0, Shm(["create", "fast", "--rows", "8", "-c", "v:i64"]).Code);
        string output = Path.Combine(_dir.Path, "fast.parquet");

        // Both consumers register at row 0 and catch up with the (closed) producer: nothing missed, exit 0.
        Assert.Equal(0, Shm(["tail", "fast", "-n", "0", "--follow", "--consumer", "viewer"]).Code);
        (int code, _, string stderr) = Shm(["record", "fast", output, "--consumer", "recorder", "--from", "Oldest"]);
        Assert.True(code == 0, stderr);

        // 100 rows into 8 slots while neither reads: most are overwritten before they are read.
        Assert.Equal(0, Shm(["write", "fast", "--generate", "100"]).Code);
        (code, string stdout, stderr) = Shm(["tail", "fast", "-n", "0", "--follow", "--consumer", "viewer"]);
        Assert.Equal(1, code);
        int printed = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1; // after the header
        Assert.InRange(printed, 1, 8);
        Assert.Contains($"pqflow shm tail: {100 - printed} rows were overwritten before they were read", stderr, StringComparison.Ordinal);

        (code, _, stderr) = Shm(["record", "fast", output, "--consumer", "recorder", "--from", "Oldest"]);
        Assert.Equal(1, code);
        int recorded = int.Parse(System.Text.RegularExpressions.Regex.Match(stderr, @"recorded (\d+) rows").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(recorded, 1, 8);
        Assert.Contains($"pqflow shm record: {output} misses {100 - recorded} rows", stderr, StringComparison.Ordinal);

        // Caught up again, a further run misses nothing: the losses of earlier runs do not count against it.
        (code, _, stderr) = Shm(["record", "fast", output, "--consumer", "recorder", "--from", "Oldest"]);
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public void Bad_input_is_a_clear_error()
    {
        (int code, _, string stderr) = Shm(["create", "x", "-c", "v:float128"]);
        Assert.Equal(2, code);
        Assert.Contains("NAME:TYPE", stderr, StringComparison.Ordinal);

        Assert.Equal(0, Shm(["create", "x", "-c", "v:i16"]).Code);
        (code, _, stderr) = Shm(["write", "x", "-r", "1,2"]);
        Assert.Equal(1, code);
        Assert.Contains("has 2 values, the schema has 1 columns", stderr, StringComparison.Ordinal);

        (code, _, stderr) = Shm(["create", "x", "-c", "v:i32"]);
        Assert.Equal(1, code);
        Assert.Contains("another layout", stderr, StringComparison.Ordinal);

        File.WriteAllBytes(Path.Combine(_dir.Path, "pqflow-junk"), new byte[9000]);
        (code, _, stderr) = Shm(["stats", "junk"]);
        Assert.Equal(1, code);
        Assert.Contains("not a valid ring", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_harness_runs_end_to_end_and_reports_every_figure()
    {
        (int code, string stdout, string stderr) = ToolPaths.Pqflow("bench", "shm", "--publish-rows", "100000", "--latency-rows", "2000", "--interval-ns", "20000", "--consumers", "1");
        Assert.True(code == 0, stderr);
        foreach (string figure in new[] { "publish, no consumer:", "publish, 1 Spin consumer:", "consumer SIGSTOPped:", "consumer killed:", "latency, SharedRing, 1 consumer(s): p50", "latency, Unix socket, 1 consumer(s): p50" })
        {
            Assert.Contains(figure, stdout, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("NaN", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(SharedRing.List(), i => i.Name.StartsWith("bench-", StringComparison.Ordinal) && i.Producer == ProducerStatus.Dead);
    }
}
