using System.Buffers.Binary;

namespace ParquetFlow.Sink.Tests;

public sealed class RingTests
{
    [Fact]
    public void Full_ring_returns_Full_and_counts_every_drop()
    {
        using var ring = new SpscRing(1024);
        byte[] record = new byte[60];
        int accepted = 0;
        for (int i = 0; i < 20; i++)
        {
            if (ring.TryWrite(record) == LogResult.Ok)
            {
                accepted++;
            }
        }

        Assert.Equal(16, accepted);
        Assert.Equal(16, ring.Logged);
        Assert.Equal(4, ring.Dropped);
        Assert.True(ring.TryRead(out _));
        ring.Release();
        Assert.Equal(LogResult.Ok, ring.TryWrite(record));
    }

    [Fact]
    public void Rejects_and_counts_empty_and_oversized_records()
    {
        foreach (RecordRing ring in new RecordRing[] { new MpscRing(1024), new SpscRing(1024) })
        {
            using (ring)
            {
                Assert.Equal(LogResult.Invalid, ring.TryWrite([]));
                Assert.Equal(LogResult.Invalid, ring.TryWrite(new byte[ring.MaxRecordLength + 1]));
                Assert.Equal(LogResult.Ok, ring.TryWrite(new byte[ring.MaxRecordLength]));
                Assert.Equal(2, ring.Invalid);
                Assert.Equal(1, ring.Logged);
                Assert.Equal(0, ring.Dropped);
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new SpscRing(1000));
    }

    [Fact]
    public unsafe void Control_block_is_aligned_at_a_fixed_address_and_its_counters_outlive_the_slots()
    {
        var ring = new SpscRing(1024);
        RingControl* control = ring.Control;
        Assert.Equal(0u, (nuint)control % RingControl.Stride);
        Assert.Equal(0u, (nuint)ring.Slots % RecordRing.SlotSize);
        Assert.Equal(16, ring.SlotCount);
        Assert.Equal(LogResult.Ok, ring.TryWrite(new byte[100]));
        Assert.Equal(2, Volatile.Read(ref control->Tail));
        Assert.Equal(1, Volatile.Read(ref control->Logged));

        // A forced collection compacts the heap: the block must not move (C producers hold its address).
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Assert.True(control == ring.Control);
        ring.Dispose();
        Assert.True(ring.Slots is null);
        Assert.Equal(1, ring.Logged);
        Assert.Equal(2, ring.ClaimedPosition);
    }

    [Fact]
    public void Spsc_ring_delivers_random_length_records_in_order_across_wraps() => RunRandomized(producers: 1, multi: false);

    [Fact]
    public void Mpsc_ring_delivers_every_producers_records_in_its_order() => RunRandomized(producers: 3, multi: true);

    private static void RunRandomized(int producers, bool multi)
    {
        int seed = Environment.TickCount;
        Console.WriteLine($"seed {seed}");
        const int PerProducer = 200_000;
        using RecordRing ring = multi ? new MpscRing(1 << 13) : new SpscRing(1 << 13);
        var threads = new Thread[producers];
        long[] attempted = new long[producers];
        long[] refused = new long[producers];
        long[] lost = new long[producers];
        for (int p = 0; p < producers; p++)
        {
            int id = p;
            threads[p] = new Thread(() =>
            {
                var random = new Random(seed + id);
                Span<byte> record = stackalloc byte[300];
                for (int i = 0; i < PerProducer; i++)
                {
                    int length = random.Next(12, 300);
                    BinaryPrimitives.WriteInt32LittleEndian(record, id);
                    BinaryPrimitives.WriteInt32LittleEndian(record[4..], i);
                    BinaryPrimitives.WriteInt32LittleEndian(record[8..], length);
                    for (int b = 12; b < length; b++)
                    {
                        record[b] = (byte)(i + b);
                    }

                    // Even records retry until accepted, odd ones are dropped when the ring is full.
                    while (ring.TryWrite(record[..length]) == LogResult.Full)
                    {
                        refused[id]++;
                        if ((i & 1) == 1)
                        {
                            lost[id]++;
                            break;
                        }

                        // Give the core to the consumer: with more threads than the 2 cores, a spinning retry only
                        // delays the read that makes room.
                        Thread.Yield();
                    }

                    attempted[id]++;
                }
            });
            threads[p].Start();
        }

        int[] next = new int[producers];
        long received = 0;
        var consumer = new Random(seed);
        while (true)
        {
            bool done = threads.All(t => !t.IsAlive);
            int batch = 0;
            int limit = consumer.Next(1, 600);
            bool empty = true;
            while (ring.TryRead(out ReadOnlySpan<byte> record))
            {
                int id = BinaryPrimitives.ReadInt32LittleEndian(record);
                int i = BinaryPrimitives.ReadInt32LittleEndian(record[4..]);
                Assert.Equal(BinaryPrimitives.ReadInt32LittleEndian(record[8..]), record.Length);
                Assert.True(i >= next[id], $"producer {id} record {i} after {next[id]} (seed {seed})");
                for (int b = 12; b < record.Length; b++)
                {
                    if (record[b] != (byte)(i + b))
                    {
                        Assert.Fail($"producer {id} record {i} byte {b} is {record[b]}, not {(byte)(i + b)} (seed {seed})");
                    }
                }

                next[id] = i + 1;
                received++;
                if (++batch == limit)
                {
                    empty = false;
                    break;
                }
            }

            ring.Release();
            if (done && empty)
            {
                break;
            }
        }

        Assert.Equal(producers * (long)PerProducer, attempted.Sum());
        Assert.Equal(ring.Logged, received);
        Assert.Equal(attempted.Sum(), received + lost.Sum());
        Assert.Equal(refused.Sum(), ring.Dropped);
    }
}
