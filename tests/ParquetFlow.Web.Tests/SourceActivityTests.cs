using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Images;
using ParquetFlow.Collector.Server;

namespace ParquetFlow.Web.Tests;

public sealed class SourceActivityTests
{
    private const long Second = 1_000_000;

    private static RackPacket Packet(int source, int sequence, int registers, PacketCommand command = PacketCommand.Diff)
    {
        var packet = new RackPacket { SourceType = SourceType.Rack, SourceId = source, Command = command, Sequence = sequence };
        packet.SetCount(registers);
        return packet;
    }

    [Fact]
    public void Counts_frames_registers_and_sequence_gaps_per_source()
    {
        var activity = new SourceActivity();
        long t = 1_700_000_000 * Second;
        activity.Record(Packet(1, 0, 10), t);
        activity.Record(Packet(1, 1, 10), t + 1);
        activity.Record(Packet(1, 5, 10), t + 2); // skips 2..4: one gap
        activity.Record(Packet(2, 7, 3, PacketCommand.Full), t + 3);
        activity.Record(Packet(2, 0, 3, PacketCommand.Query), t + 4); // not activity

        Assert.Equal([new SourceKey(SourceType.Rack, 1), new SourceKey(SourceType.Rack, 2)], activity.Sources);
        Assert.True(activity.TryGet(new SourceKey(SourceType.Rack, 1), t + 10, out SourceActivitySnapshot one));
        Assert.Equal((3L, 30L, 1L, t + 2), (one.Frames, one.Registers, one.SequenceGaps, one.LastSeenUs));
        Assert.True(activity.TryGet(new SourceKey(SourceType.Rack, 2), t + 10, out SourceActivitySnapshot two));
        Assert.Equal((1L, 3L, 0L, t + 3), (two.Frames, two.Registers, two.SequenceGaps, two.LastSeenUs));
        Assert.False(activity.TryGet(new SourceKey(SourceType.Sbmu, 1), t, out _));
    }

    [Fact]
    public void A_source_first_heard_within_the_last_minute_gets_its_rate_over_the_time_since()
    {
        var activity = new SourceActivity();
        long bucket = SourceActivity.BucketSeconds * Second;
        long start = 340_000_000 * bucket;
        var key = new SourceKey(SourceType.Rack, 4);
        // Ten frames of 20 registers a second for 20 s, starting 1 s into a bucket.
        for (int i = 0; i < 200; i++)
        {
            activity.Record(Packet(4, i & 0xFF, 20), start + Second + (i * Second / 10));
        }

        Assert.True(activity.TryGet(key, start + (4 * bucket) + 1, out SourceActivitySnapshot a));
        Assert.Equal(0, a.SequenceGaps);
        // Completed buckets hold the frames of 1 s .. 20 s: 190 frames over 19 s.
        Assert.Equal(190 / 19.0, a.FramesPerSecond, 9);
        Assert.Equal(190 * 20 / 19.0, a.RegistersPerSecond, 9);
        Assert.True(activity.TryGet(key, start + 2, out SourceActivitySnapshot early));
        Assert.Equal(0, early.FramesPerSecond); // no completed bucket yet
    }

    [Fact]
    public void History_holds_completed_buckets_oldest_first_and_rates_average_the_last_minute()
    {
        var activity = new SourceActivity();
        long bucket = SourceActivity.BucketSeconds * Second;
        long start = 340_000_000 * bucket; // a bucket boundary
        // Bucket 0 of the run: 2 frames of 100; bucket 3: 1 frame of 50; then 7 minutes pass in silence but for one frame.
        activity.Record(Packet(1, 0, 100), start);
        activity.Record(Packet(1, 1, 100), start + bucket - 1);
        activity.Record(Packet(1, 2, 50), start + (3 * bucket));
        var key = new SourceKey(SourceType.Rack, 1);

        Assert.True(activity.TryGet(key, start + (4 * bucket) + 1, out SourceActivitySnapshot now));
        Assert.Equal(SourceActivity.Buckets, now.RegisterHistory.Length);
        int[] expected = new int[SourceActivity.Buckets];
        expected[^4] = 200; // four buckets ago
        expected[^1] = 50;  // the last completed bucket
        Assert.Equal(expected, now.RegisterHistory);
        Assert.Equal(3, now.FrameHistory.Sum());
        // First heard four buckets (20 s) ago: the rates cover those 20 s.
        Assert.Equal(250.0 / (4 * SourceActivity.BucketSeconds), now.RegistersPerSecond, 9);
        Assert.Equal(3.0 / (4 * SourceActivity.BucketSeconds), now.FramesPerSecond, 9);

        // Once the buckets have wrapped around, their old counts must not come back as new ones.
        long later = start + ((SourceActivity.Buckets + 3) * bucket);
        activity.Record(Packet(1, 3, 7), later);
        Assert.True(activity.TryGet(key, later + bucket, out SourceActivitySnapshot wrapped));
        Assert.Equal(7, wrapped.RegisterHistory.Sum());
        Assert.Equal(7, wrapped.RegisterHistory[^1]);
        Assert.Equal(4, wrapped.Frames);
        // Heard since long ago: the rates cover the whole last minute.
        Assert.Equal(7.0 / (SourceActivity.RateBuckets * SourceActivity.BucketSeconds), wrapped.RegistersPerSecond, 9);
    }
}
