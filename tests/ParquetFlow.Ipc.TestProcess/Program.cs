// Helper process for the Ipc tests: `mapped-writer FILE SEED SLOTS SLOT_SIZE FLUSH [COUNT]` writes (forever, or COUNT
// times) and reports durable writes.
using ParquetFlow.Ipc;
using ParquetFlow.Ipc.TestProcess;

return args.Length == 0 ? Usage() : args[0] switch
{
    "mapped-writer" => MappedWriter(args[1], int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]), int.Parse(args[5]),
        args.Length > 6 ? long.Parse(args[6]) : long.MaxValue),
    "shared-producer" => SharedProducer(args[1], args[2], long.Parse(args[3]), long.Parse(args[4])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: mapped-writer FILE SEED SLOTS SLOT_SIZE FLUSH_INTERVAL [COUNT] | shared-producer NAME DIR ROWS COUNT");
    return 2;
}

// Creates (or reattaches to) segment NAME in DIR with TestRows' schema, publishes COUNT rows, prints "head H", then obeys
// stdin lines: "write N" publishes N more rows (prints "head H"), "exit" detaches cleanly. EOF also detaches.
static int SharedProducer(string name, string directory, long rows, long count)
{
    using SharedRingProducer producer = TestRows.Columns(new SharedRingBuilder(name).Rows(rows).Directory(directory)).CreateProducer();
    Publish(producer, count);
    for (string? line; (line = Console.ReadLine()) is not null && line != "exit";)
    {
        if (line.StartsWith("write ", StringComparison.Ordinal))
        {
            Publish(producer, long.Parse(line.AsSpan(6)));
        }
    }

    return 0;
}

static void Publish(SharedRingProducer producer, long count)
{
    for (long i = 0; i < count; i++)
    {
        TestRows.Fill(producer.BeginRow(), producer.Head);
        producer.PublishRow();
    }

    Console.WriteLine($"head {producer.Head}");
}

// Writes TestPayload.For(seed, n) as write number n until killed (or COUNT writes, then flushes, prints "wrote COUNT" and
// exits: scripts/gateway-figures.sh measures its disk writes); consumes the oldest slot (checking it) when full.
// Prints "durable N" each time the ring reports more writes durable: the parent kills it at random points.
static int MappedWriter(string file, int seed, int slots, int slotSize, int flushInterval, long count)
{
    FlushPolicy policy = flushInterval switch { 0 => FlushPolicy.OnDemand, 1 => FlushPolicy.EveryWrite, _ => FlushPolicy.EveryN(flushInterval) };
    MappedRing ring;
    try
    {
        ring = MappedRing.OpenOrCreate(file, new MappedRingOptions { SlotCount = slots, SlotSize = slotSize, Flush = policy });
    }
    catch (IOException e)
    {
        Console.Error.WriteLine($"mapped-writer: {e.Message}"); // a full disk must end up here, not in SIGBUS
        return 1;
    }

    using MappedRing owned = ring;
    var buffer = new byte[slotSize];
    ulong reported = ring.DurableWrites;
    Console.WriteLine($"durable {reported}");
    for (long i = 0; i < count; i++)
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

    ring.Flush();
    Console.WriteLine($"wrote {count}");
    return 0;
}
