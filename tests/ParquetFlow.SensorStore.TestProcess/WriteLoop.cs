// The writer that the power-loss test kills at random points; also compiled into the test project for
// its layout of sensors and values.
using ParquetFlow.SensorStore;

namespace ParquetFlow.SensorStore.TestProcess;

/// <summary>The writer that the power-loss test kills at random points.</summary>
public static class WriteLoop
{
    public const int SensorCount = 6;

    public static SensorStoreOptions Options(string dir) => SensorStoreOptions.Linux(dir) with
    {
        RamPoolBytes = 8 * 4096,
        MaxSensors = 16,
        DiskSectorSize = 8192,
        DiskQuotaBytes = 1L << 30,
        IndexReservation = 4096,
    };

    public static (SensorSource Source, uint Id, SensorType Type) Describe(int i) =>
        ((SensorSource)(i % 3), (uint)(i / 3) + 7, i % 2 == 0 ? SensorType.TimeSeries : SensorType.Event);

    public static uint ValueOf(int sensor, ulong index) => (uint)(((index + 1) * 2654435761UL) ^ ((ulong)sensor * 40503UL));

    public static int Run(string dir, int seed)
    {
        var random = new Random(seed);
        using SensorStoreSystem store = SensorStoreSystem.Open(Options(dir));
        var sensors = new SensorLog[SensorCount];
        for (int i = 0; i < SensorCount; i++)
        {
            var (source, id, type) = Describe(i);
            SensorLog s = store.GetOrCreateSensor(source, id, type); // throws, naming the sensor, when it cannot be created
            sensors[i] = s;
            Console.WriteLine($"S {i} {s.GetStats().TailIndex} {s.PendingCount}");
        }
        Console.Out.Flush();
        var buffer = new byte[12 * 500];
        for (long round = 0; ; round++)
        {
            for (int i = 0; i < SensorCount; i++)
            {
                SensorLog s = sensors[i];
                int n = random.Next(0, 900);
                for (int k = 0; k < n; k++)
                {
                    ulong index = s.GetStats().TailIndex;
                    bool added = s.Type == SensorType.Event
                        ? s.TryAdd(ValueOf(i, index), index * 3)
                        : s.TryAdd(ValueOf(i, index));
                    if (!added)
                    {
                        Console.Error.WriteLine($"add refused: {s.GetStats()}");
                        return 1;
                    }
                }
                if (random.Next(4) == 0)
                {
                    _ = s.TryConsumeBatch(buffer.AsSpan(0, random.Next(1, 500) * (s.Type == SensorType.Event ? 12 : 4)), out _, out _);
                    if (random.Next(2) == 0)
                    {
                        // Announced before it happens (stdout is unbuffered): the test may not require these records.
                        Console.WriteLine($"X {i} {s.GetStats().PendingIndex}");
                        s.AcknowledgePending();
                    }
                }
            }
            if (random.Next(3) == 0)
            {
                store.Tick(); // spill above the watermark, as the manager would
                continue;
            }
            store.Flush(); // an IOException ends the writer: the test reports the early exit with it (stderr)
            // Everything written so far is durable; erased boundaries are in the metas.
            for (int i = 0; i < SensorCount; i++)
            {
                SensorStats st = sensors[i].GetStats();
                Console.WriteLine($"D {i} {st.TailIndex} {st.HeadIndex}");
            }
            Console.WriteLine("E");
            Console.Out.Flush();
        }
    }
}
