using System.Buffers.Binary;
using ParquetFlow.Durability.Faults;
using ParquetFlow.Ipc;

namespace ParquetFlow.PowerCut;

/// <summary>
/// The mapped ring: a producer writes numbered records (flushing every write, every few, or on demand) while a consumer
/// reads some; <see cref="MappedRing.DurableWrites"/> is the promise. After the cut the ring reopens on the disk: every
/// durable record the consumer had not read is there, intact, in order (records read before may come again).
/// </summary>
internal static class RingCampaign
{
    private const int Payload = 24;
    private const int Writes = 300;

    public static Tally Run(int cuts, int seed)
    {
        var tally = new Tally("mapped ring");
        Campaign.Run("ring", tally, cuts, seed, Live, (cut, promise) => Check(cut, promise, tally));
        return tally;
    }

    private sealed record Promise(ulong Durable, ulong Consumed, ulong Written);

    private static Promise Live(FaultyStorage storage, string directory, Random random)
    {
        FlushPolicy policy = random.Next(3) switch { 0 => FlushPolicy.EveryWrite, 1 => FlushPolicy.EveryN(1 + random.Next(8)), _ => FlushPolicy.OnDemand };
        ulong durable = 0;
        ulong consumed = 0;
        ulong written = 0;
        MappedRing? ring = null;
        try
        {
            ring = MappedRing.Create(Path.Combine(directory, "ring.bin"), new MappedRingOptions { SlotCount = 32, SlotSize = Payload, Flush = policy, Storage = storage });
            byte[] record = new byte[Payload];
            byte[] read = new byte[Payload];
            while (written < Writes)
            {
                Fill(record, written);
                if (ring.TryWrite(record))
                {
                    written++;
                }

                if (policy == FlushPolicy.OnDemand && written % 5 == 0)
                {
                    ring.Flush();
                }

                durable = ring.DurableWrites;
                // A consumer slower than the producer, so the ring holds unread records at the cut.
                for (int r = random.Next(4) == 0 ? 1 + random.Next(2) : 0; r > 0 && ring.Read(read, out _) == MappedRingStatus.Ok; r--)
                {
                    consumed++;
                }
            }

            ring.Flush();
            durable = ring.DurableWrites;
        }
        catch (Exception e) when (Campaign.IsPowerLoss(e, storage))
        {
        }
        finally
        {
            try
            {
                ring?.Dispose();
            }
            catch (IOException) when (storage.PoweredOff)
            {
            }
        }

        return new Promise(durable, consumed, written);
    }

    private static void Check(Cut cut, Promise promise, Tally tally)
    {
        tally.Promised += promise.Durable > promise.Consumed ? (long)(promise.Durable - promise.Consumed) : 0;
        string path = Path.Combine(cut.Directory, "ring.bin");
        if (!File.Exists(path))
        {
            tally.AddLost((long)promise.Durable - (long)Math.Min(promise.Durable, promise.Consumed), $"{cut}: the ring file is gone after {promise.Durable} durable writes");
            return;
        }

        using MappedRing ring = MappedRing.Open(path);
        byte[] buffer = new byte[Payload];
        var present = new HashSet<ulong>();
        ulong? previous = null;
        while (true)
        {
            MappedRingStatus status = ring.Read(buffer, out int length);
            if (status == MappedRingStatus.Empty)
            {
                break;
            }

            if (status != MappedRingStatus.Ok || length != Payload)
            {
                // A torn slot is skipped by the reader; it must lie past what was promised (checked below by the gap it leaves).
                tally.Note("torn slots skipped", 1);
                continue;
            }

            ulong number = BinaryPrimitives.ReadUInt64LittleEndian(buffer);
            if (!IsRecord(buffer, number) || number >= promise.Written + 1)
            {
                tally.AddAnomaly($"{cut}: a slot holds a record that was never written (number {number})");
                continue;
            }

            if (previous is { } p && number != p + 1)
            {
                // The same rule as the raw log's: past the promised records a torn unsynced slot may leave a gap (the
                // reader reports the slot and goes on), never one among them.
                if (p + 1 < promise.Durable)
                {
                    tally.AddAnomaly($"{cut}: record {number} follows {p}");
                }
                else
                {
                    tally.Note("unpromised records after a torn gap", 1);
                }
            }

            previous = number;
            present.Add(number);
        }

        long missing = 0;
        for (ulong n = promise.Consumed; n < promise.Durable; n++)
        {
            missing += present.Contains(n) ? 0 : 1;
        }

        tally.AddLost(missing, $"{cut}: {missing} of the durable records [{promise.Consumed}, {promise.Durable}) are missing");
        tally.Extra += present.Count(n => n >= promise.Durable);
    }

    private static void Fill(Span<byte> record, ulong number)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(record, number);
        BinaryPrimitives.WriteUInt64LittleEndian(record[8..], number * 0x9E3779B97F4A7C15UL);
        BinaryPrimitives.WriteUInt64LittleEndian(record[16..], ~number);
    }

    private static bool IsRecord(ReadOnlySpan<byte> record, ulong number) =>
        BinaryPrimitives.ReadUInt64LittleEndian(record[8..]) == number * 0x9E3779B97F4A7C15UL && BinaryPrimitives.ReadUInt64LittleEndian(record[16..]) == ~number;
}
