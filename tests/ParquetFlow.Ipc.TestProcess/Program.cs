// Helper process for the Ipc tests: `mapped-writer FILE SEED SLOTS SLOT_SIZE FLUSH` writes forever and reports durable writes.
using ParquetFlow.Ipc;
using ParquetFlow.Ipc.TestProcess;

return args.Length > 0 && args[0] == "mapped-writer"
    ? MappedWriter(args[1], int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]), int.Parse(args[5]))
    : Usage();

static int Usage()
{
    Console.Error.WriteLine("usage: mapped-writer FILE SEED SLOTS SLOT_SIZE FLUSH_INTERVAL");
    return 2;
}

// Writes TestPayload.For(seed, n) as write number n until killed; consumes the oldest slot (checking it) when full.
// Prints "durable N" each time the ring reports more writes durable: the parent kills it at random points.
static int MappedWriter(string file, int seed, int slots, int slotSize, int flushInterval)
{
    FlushPolicy policy = flushInterval switch { 0 => FlushPolicy.OnDemand, 1 => FlushPolicy.EveryWrite, _ => FlushPolicy.EveryN(flushInterval) };
    using MappedRing ring = MappedRing.OpenOrCreate(file, new MappedRingOptions { SlotCount = slots, SlotSize = slotSize, Flush = policy });
    var buffer = new byte[slotSize];
    ulong reported = ring.DurableWrites;
    Console.WriteLine($"durable {reported}");
    for (int i = 0; ; i++)
    {
        if (ring.IsFull)
        {
            ulong expected = ring.GetStats().TotalReads + 1;
            MappedRingStatus status = ring.Read(buffer, out int length);
            if (status != MappedRingStatus.Ok || !buffer.AsSpan(0, length).SequenceEqual(TestPayload.For(seed, expected, slotSize)))
            {
                Console.WriteLine($"corrupt {expected} {status}");
                return 1;
            }
        }

        ulong sequence = ring.GetStats().TotalWrites + 1;
        if (!ring.TryWrite(TestPayload.For(seed, sequence, slotSize)))
        {
            Console.WriteLine("unexpectedly full");
            return 1;
        }

        if (policy.Interval == 0 && i % 5 == 4)
        {
            ring.Flush();
        }

        if (ring.DurableWrites != reported)
        {
            reported = ring.DurableWrites;
            Console.WriteLine($"durable {reported}");
        }
    }
}
