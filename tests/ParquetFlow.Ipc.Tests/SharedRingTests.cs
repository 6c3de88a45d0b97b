using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using ParquetFlow.Ipc.TestProcess;

namespace ParquetFlow.Ipc.Tests;

public sealed class SharedRingTests : IDisposable
{
    // Live, or Stalled when a loaded machine delays the 250 ms heartbeat past 2 s: both mean "attached and running".
    private static readonly ProducerStatus[] s_attached = [ProducerStatus.Live, ProducerStatus.Stalled];

    private readonly TempDirectory _dir = new();
    private readonly ITestOutputHelper _output;

    public SharedRingTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _dir.Dispose();

    private SharedRingBuilder Builder(string name, long rows) => TestRows.Columns(new SharedRingBuilder(name).Rows(rows).Directory(_dir.Path));

    private static void Publish(SharedRingProducer producer, long count)
    {
        for (long i = 0; i < count; i++)
        {
            TestRows.Fill(producer.BeginRow(), producer.Head);
            producer.PublishRow();
        }
    }

    [Fact]
    public void Schema_lays_out_every_type_naturally_aligned_after_the_stamp()
    {
        SharedRingSchema schema = SharedRingSchema.Create([
            ("a", SharedColumnType.U8), ("b", SharedColumnType.F64), ("c", SharedColumnType.I16), ("d", SharedColumnType.F32),
            ("e", SharedColumnType.Bool), ("f", SharedColumnType.I64), ("g", SharedColumnType.U16), ("h", SharedColumnType.U32),
            ("i", SharedColumnType.I32), ("j", SharedColumnType.U64), ("k", SharedColumnType.TimestampNs)]);
        Assert.Equal([8, 16, 24, 28, 32, 40, 48, 52, 56, 64, 72], schema.Columns.Select(c => c.Offset));
        Assert.Equal(80, schema.RowSize);
        string json = schema.ToJson(1024);
        Assert.Contains("\"name\":\"k\",\"type\":\"timestamp_ns\",\"offset\":72,\"size\":8", json, StringComparison.Ordinal);
        Assert.Equal(schema, SharedRingSchema.FromJson(json));
        Assert.Throws<ArgumentException>(() => SharedRingSchema.Create([("x", SharedColumnType.U8), ("x", SharedColumnType.U8)]));
        Assert.Throws<FormatException>(() => SharedRingSchema.FromJson(json.Replace("\"offset\":72", "\"offset\":73", StringComparison.Ordinal)));
    }

    [Fact]
    public void Consumer_reads_every_row_in_order_with_its_values()
    {
        using SharedRingProducer producer = Builder("order", 100).CreateProducer();
        Assert.Equal(128, producer.Capacity);
        Assert.Equal(Path.Combine(_dir.Path, "pqflow-order"), producer.Path);
        using SharedRingConsumer consumer = SharedRingConsumer.Attach("order", directory: _dir.Path);
        Publish(producer, 300);
        var row = new byte[producer.Schema.RowSize];
        Assert.Equal(SharedRingReadStatus.Lapped, consumer.TryRead(row, out long lost));
        Assert.Equal(300 - 127, lost);
        for (long s = 173; s < 300; s++)
        {
            Assert.Equal(SharedRingReadStatus.Row, consumer.TryRead(row, out _));
            Assert.Null(TestRows.Check(row, s));
        }

        Assert.Equal(SharedRingReadStatus.Empty, consumer.TryRead(row, out _));
        TestRows.Fill(row, 300);
        Assert.Equal("300", producer.Schema.FormatValue(row, producer.Schema.IndexOf("seq")));
    }

    [Fact]
    public void Lapped_consumer_learns_exactly_how_many_rows_it_lost()
    {
        int seed = Random.Shared.Next();
        _output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using SharedRingProducer producer = Builder("lap", 16).CreateProducer();
        using SharedRingConsumer consumer = SharedRingConsumer.Attach("lap", "slow", directory: _dir.Path);
        var row = new byte[48];
        long read = 0;
        long lostTotal = 0;
        for (int round = 0; round < 200; round++)
        {
            Publish(producer, random.Next(0, 40));
            for (int k = random.Next(0, 20); k > 0; k--)
            {
                long expected = consumer.Cursor;
                SharedRingReadStatus status = consumer.TryRead(row, out long lost);
                if (status == SharedRingReadStatus.Row)
                {
                    Assert.Null(TestRows.Check(row, expected));
                    read++;
                }
                else if (status == SharedRingReadStatus.Lapped)
                {
                    Assert.True(lost > 0);
                    lostTotal += lost;
                }
            }
        }

        Assert.Equal(consumer.Cursor, read + lostTotal);
        Assert.Equal(lostTotal, consumer.LostRows);
        SharedRingConsumerInfo info = Assert.Single(SharedRing.Inspect("lap", _dir.Path).Consumers);
        Assert.Equal(("slow", consumer.Cursor, lostTotal), (info.Name, info.Cursor, info.Lost));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Concurrent_consumer_never_sees_a_torn_row(bool locked)
    {
        int seed = Random.Shared.Next();
        _output.WriteLine($"seed {seed}");
        long capacity = 1L << new Random(seed).Next(3, 8);
        SharedRingBuilder builder = Builder("race", capacity);
        using SharedRingProducer producer = (locked ? builder.Locked() : builder).CreateProducer();
        using SharedRingConsumer consumer = SharedRingConsumer.Attach("race", directory: _dir.Path);
        const long Total = 300_000;
        var writer = new Thread(() => Publish(producer, Total));
        writer.Start();
        var row = new byte[48];
        var batch = new byte[48 * 64];
        long rows = 0;
        long lost = 0;
        bool useBatch = false;
        while (consumer.Cursor < Total)
        {
            long first = consumer.Cursor;
            if (useBatch)
            {
                int n = consumer.ReadBatch(batch, out long firstSequence, out long batchLost);
                Assert.Equal(first, firstSequence);
                for (int i = 0; i < n; i++)
                {
                    string? problem = TestRows.Check(batch.AsSpan(i * 48, 48), first + i);
                    Assert.True(problem is null, problem);
                }

                rows += n;
                lost += batchLost;
            }
            else
            {
                SharedRingReadStatus status = consumer.TryRead(row, out long rowLost);
                if (status == SharedRingReadStatus.Row)
                {
                    string? problem = TestRows.Check(row, first);
                    Assert.True(problem is null, problem);
                    rows++;
                }

                lost += rowLost;
            }

            useBatch = !useBatch;
        }

        writer.Join();
        _output.WriteLine($"capacity {capacity}: {rows} rows read, {lost} lost");
        Assert.Equal(Total, rows + lost);
    }

    [Fact]
    public void Read_latest_returns_the_newest_rows_oldest_first_across_the_wrap()
    {
        using SharedRingProducer producer = Builder("latest", 8).CreateProducer();
        using SharedRingConsumer consumer = SharedRingConsumer.Attach("latest", directory: _dir.Path);
        var rows = new byte[48 * 5];
        Assert.Equal(0, consumer.ReadLatest(rows, out _));
        Publish(producer, 13);
        Assert.Equal(5, consumer.ReadLatest(rows, out long first));
        Assert.Equal(8, first);
        for (int i = 0; i < 5; i++)
        {
            Assert.Null(TestRows.Check(rows.AsSpan(i * 48, 48), 8 + i));
        }

        Assert.Equal(7, consumer.ReadLatest(new byte[48 * 100], out first)); // capacity - 1: the oldest slot may be in rewrite
        Assert.Equal(6, first);
        Assert.Equal(0, consumer.Cursor); // attached at head 0; ReadLatest leaves the cursor alone
    }

    [Fact]
    public void Named_consumer_resumes_at_its_cursor_and_a_live_duplicate_is_refused()
    {
        using SharedRingProducer producer = Builder("resume", 64).CreateProducer();
        Publish(producer, 10);
        var row = new byte[48];
        using (SharedRingConsumer first = SharedRingConsumer.Attach("resume", "audit", SharedRingStart.Oldest, _dir.Path))
        {
            for (int i = 0; i < 4; i++)
            {
                Assert.Equal(SharedRingReadStatus.Row, first.TryRead(row, out _));
            }
        }

        using SharedRingConsumer again = SharedRingConsumer.Attach("resume", "audit", SharedRingStart.Latest, _dir.Path);
        Assert.Equal(4, again.Cursor);
        Assert.Equal(SharedRingReadStatus.Row, again.TryRead(row, out _));
        Assert.Null(TestRows.Check(row, 4));

        using SharedRingConsumer other = SharedRingConsumer.Attach("resume", "other", directory: _dir.Path);
        Assert.Equal(10, other.Cursor);
        SharedRingInfo info = SharedRing.Inspect("resume", _dir.Path);
        Assert.Equal(["audit", "other"], info.Consumers.Select(c => c.Name));
        Assert.All(info.Consumers, c => Assert.Equal(Environment.ProcessId, c.Pid));
    }

    [Fact]
    public void Named_consumer_held_by_another_live_process_is_refused()
    {
        using SharedRingProducer producer = Builder("held", 64).CreateProducer();
        using (SharedRingConsumer c = SharedRingConsumer.Attach("held", "x", directory: _dir.Path))
        {
        }

        using Process sleeper = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        try
        {
            // Pretend the entry belongs to the sleeper: the table stores the pid at entry offset 4.
            byte[] file = File.ReadAllBytes(producer.Path);
            Assert.Equal((byte)'x', file[4096 + 32]);
            using (var stream = new FileStream(producer.Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            {
                stream.Position = 4096 + 4;
                stream.Write(BitConverter.GetBytes(sleeper.Id));
            }

            SharedRingException e = Assert.Throws<SharedRingException>(() => SharedRingConsumer.Attach("held", "x", directory: _dir.Path));
            Assert.Contains($"live pid {sleeper.Id}", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            sleeper.Kill();
        }
    }

    [Theory]
    [InlineData(WaitStrategy.Spin)]
    [InlineData(WaitStrategy.Yield)]
    [InlineData(WaitStrategy.Futex)]
    public void Wait_timeouts_are_measured_on_the_consumers_clock(WaitStrategy strategy)
    {
        using SharedRingProducer producer = Builder("clock", 64).CreateProducer();
        var clock = new SteppingClock(TimeSpan.FromHours(1));
        using SharedRingConsumer consumer = SharedRingConsumer.Attach("clock", directory: _dir.Path, clock: clock);

        // A day-long timeout on a clock that gains an hour per reading: over after about 24 readings, not a day.
        Assert.False(consumer.WaitForRow(strategy, TimeSpan.FromDays(1)));
        Assert.InRange(clock.Readings, 26, 100);
        Publish(producer, 1);
        Assert.True(consumer.WaitForRow(strategy, TimeSpan.FromDays(1)));
    }

    /// <summary>A clock that moves on by a fixed step each time it is read.</summary>
    private sealed class SteppingClock(TimeSpan step) : TimeProvider
    {
        private long _now;

        public long Readings { get; private set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp()
        {
            Readings++;
            return _now += step.Ticks;
        }
    }

    [Theory]
    [InlineData(WaitStrategy.Spin)]
    [InlineData(WaitStrategy.Yield)]
    [InlineData(WaitStrategy.Futex)]
    public void Waiting_consumer_wakes_for_the_next_row_and_times_out_without_one(WaitStrategy strategy)
    {
        using SharedRingProducer producer = Builder("wait", 64).CreateProducer();
        using SharedRingConsumer consumer = SharedRingConsumer.Attach("wait", directory: _dir.Path);
        Assert.False(consumer.WaitForRow(strategy, TimeSpan.FromMilliseconds(30)));

        using var waiting = new ManualResetEventSlim();
        bool woke = false;
        var waiter = new Thread(() =>
        {
            waiting.Set();
            woke = consumer.WaitForRow(strategy, TimeSpan.FromSeconds(30));
        });
        waiter.Start();
        waiting.Wait();
        Publish(producer, 1);
        waiter.Join();
        Assert.True(woke);
        Assert.Equal(SharedRingReadStatus.Row, consumer.TryRead(new byte[48], out _));
    }

    [Fact]
    public void Producer_death_is_visible_and_a_new_producer_reattaches_with_the_same_schema()
    {
        using Process child = ToolPaths.StartDotnet(ToolPaths.TestProcessDll, "shared-producer", "phoenix", _dir.Path, "64", "10");
        Assert.Equal("head 10", child.StandardOutput.ReadLine());
        using SharedRingConsumer consumer = SharedRingConsumer.Attach("phoenix", "watcher", SharedRingStart.Oldest, _dir.Path);
        Assert.Contains(consumer.ProducerStatus, s_attached);
        Assert.Throws<SharedRingException>(() => Builder("phoenix", 64).CreateProducer());
        child.Kill();
        child.WaitForExit();
        Assert.Equal(ProducerStatus.Dead, consumer.ProducerStatus);

        SharedRingException mismatch = Assert.Throws<SharedRingException>(() =>
            new SharedRingBuilder("phoenix").Rows(64).Directory(_dir.Path).Column("ts", SharedColumnType.TimestampNs).CreateProducer());
        Assert.Contains("another layout", mismatch.Message, StringComparison.Ordinal);
        Assert.Throws<SharedRingException>(() => Builder("phoenix", 128).CreateProducer());

        using (SharedRingProducer second = Builder("phoenix", 64).CreateProducer())
        {
            Assert.Contains(second.Notices, n => n.Contains("reattached", StringComparison.Ordinal) && n.Contains("dead", StringComparison.Ordinal));
            Assert.Equal(10, second.Head);
            Assert.Equal(2u, second.Generation);
            Assert.Contains(consumer.ProducerStatus, s_attached);
            Publish(second, 5);
        }

        Assert.Equal(ProducerStatus.Closed, consumer.ProducerStatus);
        var row = new byte[48];
        for (long s = 0; s < 15; s++)
        {
            Assert.Equal(SharedRingReadStatus.Row, consumer.TryRead(row, out _));
            Assert.Null(TestRows.Check(row, s));
        }
    }

    [Fact]
    public void Producer_killed_mid_publish_leaves_only_whole_rows_and_a_successor_continues_the_sequence()
    {
        int seed = Random.Shared.Next();
        _output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var row = new byte[48];
        long verified = 0;
        for (int round = 0; round < 3; round++)
        {
            using Process child = ToolPaths.StartDotnet(ToolPaths.TestProcessDll, "shared-producer", "killed", _dir.Path, "1024", "0");
            Assert.Equal($"head {verified}", child.StandardOutput.ReadLine());
            child.StandardInput.WriteLine("write 100000000");
            using (SharedRingConsumer watcher = SharedRingConsumer.Attach("killed", directory: _dir.Path))
            {
                // Kill at a random point while it publishes flat out (no sleeps: wait for its head to move on).
                long target = watcher.Head + random.Next(1, 2_000_000);
                while (watcher.Head < target && !child.HasExited)
                {
                    Thread.Yield();
                }
            }

            child.Kill();
            child.WaitForExit();

            using SharedRingConsumer consumer = SharedRingConsumer.Attach("killed", start: SharedRingStart.Oldest, directory: _dir.Path);
            Assert.Equal(ProducerStatus.Dead, consumer.ProducerStatus);
            long head = consumer.Head;
            for (long s = consumer.Cursor; consumer.TryRead(row, out _) == SharedRingReadStatus.Row; s++)
            {
                string? problem = TestRows.Check(row, s);
                Assert.True(problem is null, problem);
            }

            // Every row below head reads whole; the one being written reads only if its stamp was already published
            // (killed between the stamp and the head store), and nothing past it.
            Assert.InRange(consumer.Cursor, head, head + 1);
            Assert.Equal(SharedRingReadStatus.Empty, consumer.TryRead(row, out _));
            _output.WriteLine($"round {round}: killed at head {head}, whole rows up to {consumer.Cursor}");
            verified = consumer.Cursor; // a successor must continue after the last whole row, not rewrite it
        }

        using SharedRingProducer successor = Builder("killed", 1024).CreateProducer();
        Assert.Equal(verified, successor.Head);
        Assert.Equal(4u, successor.Generation);
        Publish(successor, 3);
        using SharedRingConsumer last = SharedRingConsumer.Attach("killed", start: SharedRingStart.Oldest, directory: _dir.Path);
        last.Seek(verified);
        for (long s = verified; s < verified + 3; s++)
        {
            Assert.Equal(SharedRingReadStatus.Row, last.TryRead(row, out _));
            Assert.Null(TestRows.Check(row, s));
        }
    }

    [Fact]
    public void Reattach_keeps_a_row_the_dead_producer_stamped_but_did_not_count_in_head()
    {
        string path;
        using (SharedRingProducer first = Builder("window", 16).CreateProducer())
        {
            Publish(first, 5);
            path = first.Path;
        }

        // What a producer killed between "stamp row 5 published" and "head = 6" leaves behind.
        var row = new byte[48];
        TestRows.Fill(row, 5);
        BinaryPrimitives.WriteUInt64LittleEndian(row, 12);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            file.Position = 8192 + (5 * 48);
            file.Write(row);
        }

        using SharedRingConsumer early = SharedRingConsumer.Attach("window", start: SharedRingStart.Oldest, directory: _dir.Path);
        early.Seek(5);
        Assert.Equal(SharedRingReadStatus.Row, early.TryRead(row, out _)); // a consumer following stamps already sees it

        using SharedRingProducer second = Builder("window", 16).CreateProducer();
        Assert.Equal(6, second.Head);
        Assert.Contains(second.Notices, n => n.Contains("row 5 was published by the previous producer", StringComparison.Ordinal));
        Publish(second, 1);
        Assert.Equal(SharedRingReadStatus.Row, early.TryRead(row, out _));
        Assert.Null(TestRows.Check(row, 6));
    }

    [Fact]
    public void Huge_pages_and_mlock_report_what_they_got()
    {
        using SharedRingProducer producer = Builder("pages", 1024).HugePages().Mlock().CreateProducer();
        _output.WriteLine(string.Join("\n", producer.Notices));
        Assert.Contains(producer.Notices, n => n.StartsWith("huge pages:", StringComparison.Ordinal));
        Assert.Contains(producer.Notices, n => n.StartsWith("mlock", StringComparison.Ordinal));
        if (File.ReadAllText("/proc/meminfo").Contains("HugePages_Total:       0", StringComparison.Ordinal))
        {
            Assert.Contains(producer.Notices, n => n.Contains("HugePages_Total is 0", StringComparison.Ordinal) && n.Contains("madvise", StringComparison.Ordinal));
        }

        Publish(producer, 3);
        using SharedRingConsumer consumer = SharedRingConsumer.Attach("pages", start: SharedRingStart.Oldest, directory: _dir.Path);
        Assert.Equal(SharedRingReadStatus.Row, consumer.TryRead(new byte[48], out _));
    }

    [Fact]
    public void Default_segment_lives_in_dev_shm_and_is_listed()
    {
        string name = $"test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40];
        try
        {
            using SharedRingProducer producer = new SharedRingBuilder(name).Rows(16).Column("v", SharedColumnType.F64).CreateProducer();
            Assert.Equal("/dev/shm/pqflow-" + name, producer.Path);
            SharedRingInfo info = Assert.Single(SharedRing.List(), i => i.Name == name);
            Assert.Equal((16L, Environment.ProcessId), (info.Capacity, info.ProducerPid));
            Assert.Contains(info.Producer, s_attached);
        }
        finally
        {
            Assert.True(SharedRing.Remove(name));
        }
    }

    [Fact]
    public void Attaching_to_a_file_that_is_not_a_segment_says_why()
    {
        string path = _dir.File("pqflow-junk");
        File.WriteAllBytes(path, new byte[16384]);
        InvalidRingFileException e = Assert.Throws<InvalidRingFileException>(() => SharedRingConsumer.Attach("junk", directory: _dir.Path));
        Assert.Contains("magic", e.Reason, StringComparison.Ordinal);
        Assert.Empty(SharedRing.List(_dir.Path));
        Assert.Throws<ArgumentException>(() => new SharedRingBuilder("bad name"));
    }

    [Fact]
    public void Values_parse_and_format_per_column_type()
    {
        SharedRingSchema schema = SharedRingSchema.Create([("t", SharedColumnType.TimestampNs), ("b", SharedColumnType.Bool), ("f", SharedColumnType.F32)]);
        var row = new byte[schema.RowSize];
        schema.WriteValue(row, 0, "2024-01-02T03:04:05Z");
        schema.WriteValue(row, 1, "true");
        schema.WriteValue(row, 2, "1.5");
        Assert.Equal(1704164645000000000L.ToString(CultureInfo.InvariantCulture), schema.FormatValue(row, 0));
        Assert.Equal("true", schema.FormatValue(row, 1));
        Assert.Equal("1.5", schema.FormatValue(row, 2));
        Assert.Throws<FormatException>(() => schema.WriteValue(row, 1, "maybe"));
        Assert.Equal(1704164645000000000L, BinaryPrimitives.ReadInt64LittleEndian(row.AsSpan(8)));
    }
}
