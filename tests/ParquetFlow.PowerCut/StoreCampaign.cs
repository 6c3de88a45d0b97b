using ParquetFlow.Durability.Faults;
using ParquetFlow.SensorStore;

namespace ParquetFlow.PowerCut;

/// <summary>
/// The sensor store: six sensors (time series and events) get records, a consumer takes and acknowledges batches
/// (<see cref="SensorLog.AcknowledgePending"/>), the manager ticks, and <see cref="SensorStoreSystem.Flush"/> returning is
/// the promise (every record added before it is durable, unless acknowledged). After the cut the store reopens on the
/// disk: every promised record is returned, once, in order, intact, and no index a consumer was given before the cut
/// goes to a new record (the uploader's idempotency key contains it).
/// </summary>
internal static class StoreCampaign
{
    private const int SensorCount = 6;

    public static Tally Run(int cuts, int seed)
    {
        var tally = new Tally("sensor store");
        Campaign.Run("store", tally, cuts, seed, Live, (cut, promise) => Check(cut, promise, tally));
        return tally;
    }

    private static SensorStoreOptions Options(string directory, Durability.Storage storage) => SensorStoreOptions.Linux(directory) with
    {
        RamPoolBytes = 8 * 4096,
        MaxSensors = 16,
        DiskSectorSize = 8192,
        DiskQuotaBytes = 1L << 30,
        IndexReservation = 512,
        Storage = storage,
    };

    private static (SensorSource Source, uint Id, SensorType Type) Describe(int i) =>
        ((SensorSource)(i % 3), (uint)(i / 3) + 7, i % 2 == 0 ? SensorType.TimeSeries : SensorType.Event);

    private static uint ValueOf(int sensor, ulong index) => (uint)(((index + 1) * 2654435761UL) ^ ((ulong)sensor * 40503UL));

    /// <summary>Per sensor: records below Floor were acknowledged (may be gone), those in [Floor, Tail) were promised; HandedOut is the end of the indices a consumer was given (the uploader's idempotency keys).</summary>
    private sealed class Promise
    {
        public ulong[] Floor { get; } = new ulong[SensorCount];

        public ulong[] Tail { get; } = new ulong[SensorCount];

        public ulong[] HandedOut { get; } = new ulong[SensorCount];
    }

    private static Promise Live(FaultyStorage storage, string directory, Random random)
    {
        var promise = new Promise();
        try
        {
            using SensorStoreSystem store = SensorStoreSystem.Open(Options(directory, storage));
            var sensors = new SensorLog[SensorCount];
            for (int i = 0; i < SensorCount; i++)
            {
                (SensorSource source, uint id, SensorType type) = Describe(i);
                sensors[i] = store.GetOrCreateSensor(source, id, type); // the cut may come here: its IOException ends the run
            }

            byte[] buffer = new byte[12 * 500];
            for (int round = 0; round < 10; round++)
            {
                for (int i = 0; i < SensorCount; i++)
                {
                    SensorLog s = sensors[i];
                    int n = random.Next(0, 400);
                    for (int k = 0; k < n; k++)
                    {
                        ulong index = s.GetStats().TailIndex;
                        if (!(s.Type == SensorType.Event ? s.TryAdd(ValueOf(i, index), index * 3) : s.TryAdd(ValueOf(i, index))))
                        {
                            break;
                        }
                    }

                    if (random.Next(4) == 0)
                    {
                        int size = s.Type == SensorType.Event ? 12 : 4;
                        if (!s.TryConsumeBatch(buffer.AsSpan(0, random.Next(1, 500) * size), out int count, out ulong first))
                        {
                            continue;
                        }

                        promise.HandedOut[i] = Math.Max(promise.HandedOut[i], first + (ulong)count);
                        s.AcknowledgePending();
                        // Acknowledged: the consumer has them, the store may forget them.
                        promise.Floor[i] = Math.Max(promise.Floor[i], first + (ulong)count);
                    }
                }

                if (random.Next(3) == 0)
                {
                    store.Tick();
                    continue;
                }

                ulong[] tails = [.. sensors.Select(s => s.GetStats().TailIndex)];
                store.Flush(); // after the cut it throws, and the run ends with what was promised before
                Array.Copy(tails, promise.Tail, SensorCount);
            }
        }
        catch (Exception e) when (Campaign.IsPowerLoss(e, storage))
        {
        }

        return promise;
    }

    private static void Check(Cut cut, Promise promise, Tally tally)
    {
        using SensorStoreSystem store = SensorStoreSystem.Open(Options(cut.Directory, Durability.Storage.Default));
        byte[] buffer = new byte[12 * 2048];
        for (int i = 0; i < SensorCount; i++)
        {
            (SensorSource source, uint id, SensorType type) = Describe(i);
            SensorLog s;
            try
            {
                s = store.GetOrCreateSensor(source, id, type);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                tally.AddAnomaly($"{cut}: sensor {i} does not open after the restart: {e.Message}");
                continue;
            }

            ulong floor = promise.Floor[i];
            ulong tail = promise.Tail[i];
            tally.Promised += tail > floor ? (long)(tail - floor) : 0;
            SensorStats stats = s.GetStats();
            if (stats.TailIndex < promise.HandedOut[i])
            {
                tally.AddAnomaly($"{cut}: sensor {i} gives index {stats.TailIndex} to a new record after the restart (a consumer had indices up to {promise.HandedOut[i] - 1} before the cut)");
            }

            var present = new HashSet<ulong>();
            ulong last = 0;
            bool any = false;
            int size = type == SensorType.Event ? 12 : 4;
            while (TryConsumeBatch(s, buffer, out int n, out ulong first, cut, i, tally))
            {
                for (int k = 0; k < n; k++)
                {
                    ulong index = first + (ulong)k;
                    if (any && index <= last)
                    {
                        tally.AddAnomaly($"{cut}: sensor {i} returns index {index} after {last}");
                    }

                    any = true;
                    last = index;
                    uint value = BitConverter.ToUInt32(buffer, k * size);
                    if (value != ValueOf(i, index) || (type == SensorType.Event && BitConverter.ToUInt64(buffer, (k * size) + 4) != index * 3))
                    {
                        tally.AddAnomaly($"{cut}: sensor {i} record {index} is corrupt");
                    }

                    present.Add(index);
                }
            }

            long missing = 0;
            for (ulong index = floor; index < tail; index++)
            {
                missing += present.Contains(index) ? 0 : 1;
            }

            tally.AddLost(missing, $"{cut}: sensor {i} lost {missing} of the records [{floor}, {tail}) a returned Flush promised");
            tally.Extra += present.Count(index => index >= tail);
        }
    }

    /// <summary>The next batch read back after the restart; false when none is left, or when the read failed (an anomaly: the disk is the real one).</summary>
    private static bool TryConsumeBatch(SensorLog s, byte[] buffer, out int count, out ulong first, Cut cut, int sensor, Tally tally)
    {
        try
        {
            return s.TryConsumeBatch(buffer, out count, out first);
        }
        catch (IOException e)
        {
            tally.AddAnomaly($"{cut}: sensor {sensor} cannot be read back after the restart: {e.Message}");
            count = 0;
            first = 0;
            return false;
        }
    }
}
