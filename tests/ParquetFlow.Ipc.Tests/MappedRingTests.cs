using System.Buffers.Binary;
using ParquetFlow.Ipc.TestProcess;

namespace ParquetFlow.Ipc.Tests;

public sealed class MappedRingTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ITestOutputHelper _output;

    public MappedRingTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Default_layout_is_the_documents_64_byte_header_and_ten_1KiB_slots()
    {
        string path = _dir.File("default.ring");
        using (MappedRing ring = MappedRing.Create(path))
        {
            Assert.Equal(10, ring.SlotCount);
            Assert.Equal(1024, ring.SlotSize);
        }

        byte[] file = File.ReadAllBytes(path);
        Assert.Equal(64 + (10 * (16 + 1024)), file.Length);
        Assert.Equal(0xBEEFCAFEu, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(16)));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(20)));
        Assert.Equal(10u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(24)));
        Assert.Equal(1024u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(28)));
        Assert.False(File.Exists(path + ".tmp." + Environment.ProcessId));
    }

    [Fact]
    public void Reads_back_writes_in_order_across_many_wraparounds()
    {
        int seed = Random.Shared.Next();
        _output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using MappedRing ring = MappedRing.Create(_dir.File("order.ring"), new MappedRingOptions { SlotCount = 7, SlotSize = 100, Flush = FlushPolicy.OnDemand });
        ulong written = 0;
        ulong read = 0;
        var buffer = new byte[100];
        for (int step = 0; step < 5000; step++)
        {
            if (random.Next(2) == 0)
            {
                bool ok = ring.TryWrite(TestPayload.For(seed, written + 1, 100));
                Assert.Equal(written - read < 7, ok);
                written += ok ? 1u : 0u;
            }
            else
            {
                MappedRingStatus status = ring.Read(buffer, out int length);
                if (read == written)
                {
                    Assert.Equal(MappedRingStatus.Empty, status);
                    continue;
                }

                Assert.Equal(MappedRingStatus.Ok, status);
                read++;
                Assert.Equal(TestPayload.For(seed, read, 100), buffer.AsSpan(0, length).ToArray());
            }

            Assert.Equal(written != read, ring.HasData);
            Assert.Equal(written - read == 7, ring.IsFull);
        }

        MappedRingStats stats = ring.GetStats();
        Assert.Equal(written, stats.TotalWrites);
        Assert.Equal(read, stats.TotalReads);
        Assert.Equal((int)(written % 7), stats.WriteIndex);
        Assert.Equal((int)(read % 7), stats.ReadIndex);
    }

    [Fact]
    public void Full_ring_refuses_writes_and_empty_ring_reports_empty()
    {
        using MappedRing ring = MappedRing.Create(_dir.File("full.ring"), new MappedRingOptions { SlotCount = 2, SlotSize = 8 });
        Assert.Equal(MappedRingStatus.Empty, ring.Read(new byte[8], out _));
        Assert.True(ring.TryWrite([1]));
        Assert.True(ring.TryWrite([2]));
        Assert.True(ring.IsFull);
        Assert.False(ring.TryWrite([3]));
        Assert.False(ring.TryGetWriteSpan(out _));
        Assert.Throws<ArgumentException>(() => ring.TryWrite(new byte[9]));
    }

    [Fact]
    public void Peek_does_not_consume_and_small_destination_consumes_nothing()
    {
        using MappedRing ring = MappedRing.Create(_dir.File("peek.ring"));
        Assert.True(ring.TryWrite("hello"u8));
        var buffer = new byte[16];
        Assert.Equal(MappedRingStatus.Ok, ring.Peek(buffer, out int n));
        Assert.Equal("hello"u8.ToArray(), buffer[..n]);
        Assert.Equal(MappedRingStatus.DestinationTooSmall, ring.Read(new byte[2], out _));
        Assert.Equal(MappedRingStatus.Ok, ring.Read(buffer, out n));
        Assert.Equal(5, n);
        Assert.False(ring.HasData);
    }

    [Fact]
    public void Direct_span_access_writes_and_reads_in_place()
    {
        using MappedRing ring = MappedRing.Create(_dir.File("direct.ring"), new MappedRingOptions { SlotCount = 3, SlotSize = 64 });
        for (int i = 0; i < 10; i++)
        {
            Assert.True(ring.TryGetWriteSpan(out Span<byte> slot));
            Assert.Equal(64, slot.Length);
            BinaryPrimitives.WriteInt32LittleEndian(slot, i * 31);
            ring.AdvanceWrite(4);

            Assert.Equal(MappedRingStatus.Ok, ring.TryGetReadSpan(out ReadOnlySpan<byte> data));
            Assert.Equal(4, data.Length);
            Assert.Equal(i * 31, BinaryPrimitives.ReadInt32LittleEndian(data));
            ring.AdvanceRead();
        }

        Assert.Throws<InvalidOperationException>(() => ring.AdvanceRead());
    }

    [Fact]
    public void Survives_reopen_with_its_geometry_and_counters()
    {
        string path = _dir.File("reopen.ring");
        using (MappedRing ring = MappedRing.Create(path, new MappedRingOptions { SlotCount = 5, SlotSize = 40, Flush = FlushPolicy.OnDemand }))
        {
            for (int i = 0; i < 4; i++)
            {
                Assert.True(ring.TryWrite(TestPayload.For(1, (ulong)i + 1, 40)));
            }

            Assert.Equal(MappedRingStatus.Ok, ring.Read(new byte[40], out _));
        }

        using MappedRing reopened = MappedRing.OpenOrCreate(path, new MappedRingOptions { SlotCount = 99 });
        Assert.Equal(5, reopened.SlotCount);
        Assert.Equal(40, reopened.SlotSize);
        MappedRingStats stats = reopened.GetStats();
        Assert.Equal(4u, stats.TotalWrites);
        Assert.Equal(1u, stats.TotalReads);
        Assert.Equal(4u, stats.DurableWrites);
        var buffer = new byte[40];
        for (ulong s = 2; s <= 4; s++)
        {
            Assert.Equal(MappedRingStatus.Ok, reopened.Read(buffer, out int n));
            Assert.Equal(TestPayload.For(1, s, 40), buffer[..n]);
        }
    }

    [Fact]
    public void Torn_slot_is_reported_and_skipped_never_returned()
    {
        string path = _dir.File("torn.ring");
        using (MappedRing ring = MappedRing.Create(path, new MappedRingOptions { SlotCount = 4, SlotSize = 32 }))
        {
            ring.TryWrite("first"u8);
            ring.TryWrite("second"u8);
            ring.TryWrite("third"u8);
        }

        // Flip one payload byte of the second slot, as a crash between slot and header writeback would leave it.
        byte[] file = File.ReadAllBytes(path);
        file[64 + (1 * (16 + 32)) + 16] ^= 0xFF;
        File.WriteAllBytes(path, file);

        using MappedRing reopened = MappedRing.Open(path);
        var buffer = new byte[32];
        Assert.Equal(MappedRingStatus.Ok, reopened.Read(buffer, out int n));
        Assert.Equal("first"u8.ToArray(), buffer[..n]);
        Assert.Equal(MappedRingStatus.Torn, reopened.Peek(buffer, out n));
        Assert.Equal(0, n);
        Assert.Equal(MappedRingStatus.Torn, reopened.Read(buffer, out n));
        Assert.Equal(0, n);
        Assert.Equal(MappedRingStatus.Ok, reopened.Read(buffer, out n));
        Assert.Equal("third"u8.ToArray(), buffer[..n]);
        Assert.Equal(1u, reopened.GetStats().TornSlots);
    }

    [Fact]
    public void Header_counting_a_slot_that_never_reached_the_file_reads_as_torn()
    {
        string path = _dir.File("ahead.ring");
        using (MappedRing ring = MappedRing.Create(path, new MappedRingOptions { SlotCount = 4, SlotSize = 32 }))
        {
            ring.TryWrite("only"u8);
        }

        byte[] file = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(40), 2); // header says two writes; slot 1 is zeros
        File.WriteAllBytes(path, file);

        using MappedRing reopened = MappedRing.Open(path);
        Assert.Equal(MappedRingStatus.Ok, reopened.Read(new byte[32], out _));
        Assert.Equal(MappedRingStatus.Torn, reopened.Read(new byte[32], out _));
        Assert.False(reopened.HasData);
    }

    [Theory]
    [InlineData(0, "shorter than")]
    [InlineData(10304, "magic")]
    public void Opening_a_file_that_is_not_a_ring_says_why(int length, string reason)
    {
        string path = _dir.File("junk.bin");
        File.WriteAllBytes(path, new byte[length]);
        InvalidRingFileException e = Assert.Throws<InvalidRingFileException>(() => MappedRing.Open(path));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Opening_a_ring_with_a_damaged_header_or_wrong_length_fails()
    {
        string path = _dir.File("damaged.ring");
        MappedRing.Create(path).Dispose();
        byte[] good = File.ReadAllBytes(path);

        byte[] geometry = (byte[])good.Clone();
        geometry[24] = 11; // slot count 10 -> 11 without fixing the header CRC
        File.WriteAllBytes(path, geometry);
        Assert.Equal(32, Assert.Throws<InvalidRingFileException>(() => MappedRing.Open(path)).Offset);

        File.WriteAllBytes(path, good[..^1]);
        Assert.Contains("describes", Assert.Throws<InvalidRingFileException>(() => MappedRing.Open(path)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Flush_policies_decide_when_writes_become_durable()
    {
        using MappedRing everyN = MappedRing.Create(_dir.File("n.ring"), new MappedRingOptions { SlotCount = 16, SlotSize = 8, Flush = FlushPolicy.EveryN(3) });
        everyN.TryWrite([1]);
        everyN.TryWrite([2]);
        Assert.Equal(0u, everyN.DurableWrites);
        everyN.TryWrite([3]);
        Assert.Equal(3u, everyN.DurableWrites);

        using MappedRing onDemand = MappedRing.Create(_dir.File("d.ring"), new MappedRingOptions { SlotCount = 16, SlotSize = 8, Flush = FlushPolicy.OnDemand });
        for (int i = 0; i < 10; i++)
        {
            onDemand.TryWrite([1]);
        }

        Assert.Equal(0u, onDemand.DurableWrites);
        onDemand.Flush();
        Assert.Equal(10u, onDemand.DurableWrites);

        using MappedRing every = MappedRing.Create(_dir.File("e.ring"), new MappedRingOptions { SlotCount = 16, SlotSize = 8 });
        every.TryWrite([1]);
        Assert.Equal(1u, every.DurableWrites);
    }

    [Fact]
    public void Reset_empties_the_ring_durably()
    {
        string path = _dir.File("reset.ring");
        using (MappedRing ring = MappedRing.Create(path, new MappedRingOptions { SlotCount = 3, SlotSize = 8 }))
        {
            ring.TryWrite([1]);
            ring.TryWrite([2]);
            ring.Reset();
            Assert.False(ring.HasData);
            Assert.Equal(default, ring.GetStats() with { SlotCount = 0, SlotSize = 0 });
        }

        using MappedRing reopened = MappedRing.Open(path);
        Assert.False(reopened.HasData);
        Assert.True(reopened.TryWrite([9]));
        reopened.Dispose();
        reopened.Dispose(); // idempotent
    }

    [Fact]
    public void Crash_inside_reset_leaves_a_ring_that_opens_empty()
    {
        string path = _dir.File("halfreset.ring");
        using (MappedRing ring = MappedRing.Create(path, new MappedRingOptions { SlotCount = 3, SlotSize = 8 }))
        {
            ring.TryWrite([1]);
            ring.Read(new byte[8], out _);
            ring.TryWrite([2]);
        }

        byte[] file = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(40), 0); // write counter zeroed, read counter not yet
        File.WriteAllBytes(path, file);
        using MappedRing reopened = MappedRing.Open(path);
        Assert.False(reopened.HasData);
        Assert.True(reopened.TryWrite([3]));
        Assert.Equal(MappedRingStatus.Ok, reopened.Read(new byte[8], out _));
    }
}
