using Microsoft.Extensions.Logging;
using ParquetFlow.Ipc.TestProcess;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Ipc.Tests;

/// <summary>What the rings report through their logger when a file is damaged, a segment is reused or a consumer lags.</summary>
public sealed class RingLoggingTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ListLogger _logger = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_ring_file_with_a_damaged_header_is_refused_with_a_warning_naming_it_and_the_offset()
    {
        string path = _dir.File("damaged.ring");
        MappedRing.Create(path).Dispose();
        byte[] file = File.ReadAllBytes(path);
        file[24] = 11; // slot count 10 -> 11 without fixing the header CRC
        File.WriteAllBytes(path, file);

        Assert.Throws<InvalidRingFileException>(() => MappedRing.Open(path, logger: _logger));

        LogEntry entry = Assert.Single(_logger.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.StartsWith($"refused {path}: not a valid ring (at byte 32): ", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_torn_slot_is_logged_as_a_warning_with_its_write_sequence_once()
    {
        string path = _dir.File("torn.ring");
        var options = new MappedRingOptions { SlotCount = 4, SlotSize = 32, Logger = _logger };
        using (MappedRing ring = MappedRing.Create(path, options))
        {
            ring.TryWrite("first"u8);
            ring.TryWrite("second"u8);
            ring.TryWrite("third"u8);
        }

        byte[] file = File.ReadAllBytes(path);
        file[64 + (1 * (16 + 32)) + 16] ^= 0xFF; // one payload byte of the second slot
        File.WriteAllBytes(path, file);
        using MappedRing reopened = MappedRing.OpenOrCreate(path, options);
        var buffer = new byte[32];
        while (reopened.Read(buffer, out _) != MappedRingStatus.Empty)
        {
        }

        Assert.Single(_logger.Matching(LogLevel.Information, $"created ring {path}: 4 slots of 32 bytes"));
        Assert.Single(_logger.Matching(LogLevel.Information, $"opened ring {path}: 4 slots of 32 bytes, 3 unread"));
        LogEntry torn = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Equal($"ring {path}: slot of write 2 is torn (its CRC or header does not match); skipped", torn.Message);
    }

    [Fact]
    public void A_damaged_segment_is_refused_by_the_producer_with_a_warning_and_left_in_place()
    {
        string path = _dir.File("pqflow-junk");
        File.WriteAllBytes(path, new byte[16384]);

        Assert.Throws<InvalidRingFileException>(() => TestRows.Columns(new SharedRingBuilder("junk").Rows(16).Directory(_dir.Path).Logger(_logger)).CreateProducer());

        LogEntry entry = Assert.Single(_logger.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.StartsWith($"refused {path}: not a valid ring (at byte 0): magic is 0x00000000", entry.Message, StringComparison.Ordinal);
        Assert.Equal(16384, new FileInfo(path).Length);
    }

    [Fact]
    public void A_segment_created_then_reattached_is_logged_with_its_previous_producer()
    {
        string path = _dir.File("pqflow-again");
        SharedRingBuilder Builder() => TestRows.Columns(new SharedRingBuilder("again").Rows(16).Directory(_dir.Path).Logger(_logger));
        using (SharedRingProducer first = Builder().CreateProducer())
        {
            first.BeginRow();
            first.PublishRow();
        }

        using SharedRingProducer second = Builder().CreateProducer();

        Assert.Single(_logger.Matching(LogLevel.Information, $"created segment {path}: 16 rows of "));
        Assert.Single(_logger.Matching(LogLevel.Information, $"reattached to segment {path} at row 1 (previous producer: closed)"));
    }

    [Fact]
    public void A_lagging_consumer_is_logged_when_first_lapped_then_at_most_once_per_ten_seconds()
    {
        var clock = new ManualClock();
        using SharedRingProducer producer = TestRows.Columns(new SharedRingBuilder("lag").Rows(16).Directory(_dir.Path)).CreateProducer();
        using SharedRingConsumer consumer = SharedRingConsumer.Attach("lag", "slow", directory: _dir.Path, clock: clock, logger: _logger);
        var row = new byte[producer.Schema.RowSize];
        long lost = 0;
        for (int lap = 0; lap < 3; lap++)
        {
            Publish(producer, 40);
            Assert.Equal(SharedRingReadStatus.Lapped, consumer.TryRead(row, out long skipped));
            lost += skipped;
            consumer.SeekToLatest();
        }

        IReadOnlyList<LogEntry> laps = _logger.Matching(LogLevel.Warning, $"consumer slow of segment {_dir.File("pqflow-lag")} lags");
        Assert.Single(laps);
        // 40 rows published over a 16-row ring: the consumer resumes at row 25, the oldest the producer cannot be overwriting.
        Assert.EndsWith("25 rows lost since the last report, 25 in all", laps[0].Message, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromSeconds(10));
        Publish(producer, 40);
        Assert.Equal(SharedRingReadStatus.Lapped, consumer.TryRead(row, out long last));
        lost += last;

        laps = _logger.Matching(LogLevel.Warning, "lags");
        Assert.Equal(2, laps.Count);
        Assert.EndsWith($"{lost - 25} rows lost since the last report, {lost} in all", laps[1].Message, StringComparison.Ordinal);
    }

    private static void Publish(SharedRingProducer producer, long count)
    {
        for (long i = 0; i < count; i++)
        {
            TestRows.Fill(producer.BeginRow(), producer.Head);
            producer.PublishRow();
        }
    }

    /// <summary>A clock that stands still until the test moves it.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _now = TimeSpan.TicksPerSecond;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _now;

        public void Advance(TimeSpan by) => _now += by.Ticks;
    }
}
