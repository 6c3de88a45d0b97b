using System.Buffers;
using System.Buffers.Binary;
using ParquetFlow.Collector.Framing;

namespace ParquetFlow.Collector.Tests;

public sealed class FramingTests(ITestOutputHelper output)
{
    private delegate FrameStatus Reader(ref ReadOnlySequence<byte> buffer, RackPacket packet, out string? error);

    private static readonly Reader s_simple = SimpleFraming.TryRead;
    private static readonly Reader s_packet = (ref ReadOnlySequence<byte> b, RackPacket p, out string? e) => PacketFraming.TryRead(ref b, p, out e);

    private Random Seeded()
    {
        int seed = Environment.GetEnvironmentVariable("PQFLOW_TEST_SEED") is string s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (set PQFLOW_TEST_SEED to reproduce)");
        return new Random(seed);
    }

    private static RackPacket RandomPacket(Random random, bool packetFraming)
    {
        var p = new RackPacket
        {
            TimestampUs = 1_700_000_000_000_000 + random.NextInt64(1_000_000_000),
            SourceType = packetFraming ? (SourceType)random.Next(4) : SourceType.Rack,
            SourceId = packetFraming ? random.Next(256) : random.Next(int.MinValue, int.MaxValue),
            Command = packetFraming ? (PacketCommand)random.Next(3) : PacketCommand.Diff,
            Sequence = packetFraming ? random.Next(256) : -1,
        };
        p.SetCount(random.Next(5) == 0 ? random.Next(RackPacket.MaxRegisters + 1) : random.Next(200));
        for (int i = 0; i < p.Count; i++)
        {
            p.Control[i] = (ushort)random.Next(65536);
        }

        for (int i = 0; i < p.Data.Length; i++)
        {
            p.Data[i] = (ushort)random.Next(65536);
        }

        return p;
    }

    private static void AssertSame(RackPacket expected, RackPacket actual)
    {
        Assert.Equal(expected.TimestampUs, actual.TimestampUs);
        Assert.Equal(expected.SourceType, actual.SourceType);
        Assert.Equal(expected.SourceId, actual.SourceId);
        Assert.Equal(expected.Command, actual.Command);
        Assert.Equal(expected.Sequence, actual.Sequence);
        Assert.True(expected.Control.SequenceEqual(actual.Control));
        Assert.True(expected.Data.SequenceEqual(actual.Data));
    }

    /// <summary>Cuts bytes into a multi-segment sequence at random points, as sockets deliver them.</summary>
    private static ReadOnlySequence<byte> Segmented(byte[] bytes, Random random)
    {
        var cuts = new SortedSet<int> { 0, bytes.Length };
        for (int i = 0; i < 5; i++)
        {
            cuts.Add(random.Next(bytes.Length + 1));
        }

        int[] points = [.. cuts];
        Segment? first = null;
        Segment? last = null;
        for (int i = 0; i + 1 < points.Length; i++)
        {
            var memory = new ReadOnlyMemory<byte>(bytes, points[i], points[i + 1] - points[i]);
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Frames_round_trip_back_to_back_across_segment_boundaries(bool packetFraming)
    {
        Random random = Seeded();
        Reader read = packetFraming ? s_packet : s_simple;
        var packets = Enumerable.Range(0, 30).Select(_ => RandomPacket(random, packetFraming)).ToList();
        var writer = new ArrayBufferWriter<byte>();
        foreach (RackPacket p in packets)
        {
            if (packetFraming)
            {
                PacketFraming.Write(writer, p);
            }
            else
            {
                SimpleFraming.Write(writer, p);
            }
        }

        ReadOnlySequence<byte> buffer = Segmented(writer.WrittenSpan.ToArray(), random);
        var decoded = new RackPacket();
        foreach (RackPacket expected in packets)
        {
            Assert.Equal(FrameStatus.Complete, read(ref buffer, decoded, out string? error));
            Assert.Null(error);
            AssertSame(expected, decoded);
        }

        Assert.Equal(0, buffer.Length);
        Assert.Equal(FrameStatus.NeedMoreData, read(ref buffer, decoded, out _));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_strict_prefix_of_a_frame_needs_more_data_and_consumes_nothing(bool packetFraming)
    {
        Random random = Seeded();
        RackPacket p = RandomPacket(random, packetFraming);
        p.SetCount(5);
        var writer = new ArrayBufferWriter<byte>();
        if (packetFraming)
        {
            PacketFraming.Write(writer, p);
        }
        else
        {
            SimpleFraming.Write(writer, p);
        }

        byte[] bytes = writer.WrittenSpan.ToArray();
        Reader read = packetFraming ? s_packet : s_simple;
        for (int n = 0; n < bytes.Length; n++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, n);
            Assert.Equal(FrameStatus.NeedMoreData, read(ref buffer, new RackPacket(), out _));
            Assert.Equal(n, buffer.Length);
        }
    }

    [Fact]
    public void Simple_frames_over_65536_registers_or_with_a_non_finite_time_are_malformed()
    {
        byte[] frame = new byte[SimpleFraming.HeaderSize];
        BinaryPrimitives.WriteDoubleLittleEndian(frame, 1.5);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(12), 65_537);
        var buffer = new ReadOnlySequence<byte>(frame);
        Assert.Equal(FrameStatus.Malformed, SimpleFraming.TryRead(ref buffer, new RackPacket(), out string? error));
        Assert.Contains("65537", error);

        BinaryPrimitives.WriteDoubleLittleEndian(frame, double.NaN);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(12), 1);
        buffer = new ReadOnlySequence<byte>(frame);
        Assert.Equal(FrameStatus.Malformed, SimpleFraming.TryRead(ref buffer, new RackPacket(), out error));
        Assert.Contains("time", error);
    }

    [Theory]
    [InlineData(4, 9, "unknown command")]        // cmd 9
    [InlineData(4, 3, "unknown command")]        // a reply sent to the collector
    [InlineData(5, 7, "unknown source type")]
    [InlineData(7, 1, "reserved")]               // flags in a request
    [InlineData(10, 1, "reserved")]
    [InlineData(20, 3, "does not match")]        // count 3 for a frame sized for 2
    [InlineData(0, 255, "outside")]              // a length no frame can have
    public void Packet_frames_with_bad_header_fields_are_malformed_with_a_reason(int offset, int value, string reason)
    {
        var p = new RackPacket { Command = PacketCommand.Diff, SourceType = SourceType.Sbmu, SourceId = 4, TimestampUs = 1 };
        p.SetCount(2);
        var writer = new ArrayBufferWriter<byte>();
        PacketFraming.Write(writer, p);
        byte[] bytes = writer.WrittenSpan.ToArray();
        if (offset == 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, 0xFF00_0000);
        }
        else
        {
            bytes[offset] = (byte)value;
        }

        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(FrameStatus.Malformed, PacketFraming.TryRead(ref buffer, new RackPacket(), out string? error));
        Assert.Contains(reason, error);
        Assert.Equal(bytes.Length, buffer.Length);
    }

    [Fact]
    public void A_query_carries_offsets_only_and_its_reply_carries_values_and_flags()
    {
        var query = new RackPacket { Command = PacketCommand.Query, SourceType = SourceType.Rack, SourceId = 2, Sequence = 9 };
        query.SetCount(3);
        query.Control[0] = 0x1000;
        query.Control[1] = 0x1001;
        query.Control[2] = 0xFFFF;
        var writer = new ArrayBufferWriter<byte>();
        PacketFraming.Write(writer, query);
        Assert.Equal(PacketFraming.HeaderSize + 6, writer.WrittenCount);

        var reply = new RackPacket { Command = PacketCommand.QueryReply, SourceType = SourceType.Rack, SourceId = 2, Sequence = 9, Flags = PacketFraming.UnknownSourceFlag };
        reply.SetCount(3);
        query.Control.CopyTo(reply.Control);
        PacketFraming.Write(writer, reply);

        var buffer = new ReadOnlySequence<byte>(writer.WrittenMemory);
        var decoded = new RackPacket();
        Assert.Equal(FrameStatus.Complete, PacketFraming.TryRead(ref buffer, decoded, out _));
        Assert.Equal(PacketCommand.Query, decoded.Command);
        Assert.Equal(0, decoded.Data.Length);
        Assert.Equal(FrameStatus.Malformed, PacketFraming.TryRead(ref buffer, decoded, out _));
        Assert.Equal(FrameStatus.Complete, PacketFraming.TryRead(ref buffer, decoded, out _, acceptReplies: true));
        Assert.Equal(PacketFraming.UnknownSourceFlag, decoded.Flags);
        Assert.Equal(0xFFFF, decoded.Control[2]);
    }

    [Fact]
    public void Random_garbage_is_either_malformed_or_incomplete_and_never_throws()
    {
        Random random = Seeded();
        var packet = new RackPacket();
        for (int trial = 0; trial < 20_000; trial++)
        {
            byte[] bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            var a = new ReadOnlySequence<byte>(bytes);
            var b = new ReadOnlySequence<byte>(bytes);
            FrameStatus simple = SimpleFraming.TryRead(ref a, packet, out _);
            FrameStatus framed = PacketFraming.TryRead(ref b, packet, out _);
            Assert.True(simple != FrameStatus.Complete || bytes.Length >= SimpleFraming.HeaderSize);
            Assert.True(framed != FrameStatus.Complete || bytes.Length >= PacketFraming.HeaderSize);
        }
    }
}
