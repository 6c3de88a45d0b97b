// The end-to-end gateway: writes records into a Linux store, makes them durable, and uploads them with
// the MQTT uploader, until it is killed. Prints "S i start" at start, "D i tail" + "E" after each flush,
// and "W" when it has written its share.
using System.Globalization;
using ParquetFlow.SensorStore;

namespace ParquetFlow.SensorStore.TestProcess;

public static class GatewayLoop
{
    public const int SensorCount = 6;

    public static (SensorSource Source, uint Id, SensorType Type) Describe(int i) =>
        ((SensorSource)(i % 3), (uint)(i / 3) + 1, i % 2 == 0 ? SensorType.TimeSeries : SensorType.Event);

    public static uint ValueOf(int sensor, ulong index) => (uint)(((index + 3) * 2246822519UL) ^ ((ulong)sensor * 97UL));

    public static int Run(string dir, int port, int seed, int perSensor)
    {
        var random = new Random(seed);
        using SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Linux(dir) with
        {
            RamPoolBytes = 16 * 4096,
            MaxSensors = 16,
            DiskSectorSize = 16384,
            IndexReservation = 8192,
        });
        var sensors = new SensorLog[SensorCount];
        for (int i = 0; i < SensorCount; i++)
        {
            var (source, id, type) = Describe(i);
            SensorLog s = store.GetOrCreateSensor(source, id, type);
            sensors[i] = s;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"S {i} {s.GetStats().TailIndex}"));
        }
        store.StartManager(TimeSpan.FromMilliseconds(100));
        using var uploader = new MqttUploader(store, new UploaderOptions
        {
            Port = port,
            GatewayId = "e2e",
            BatchRecords = 256,
            MinBackoff = TimeSpan.FromMilliseconds(20),
            MaxBackoff = TimeSpan.FromMilliseconds(300),
        });
        using var cts = new CancellationTokenSource();
        Task upload = Task.Run(() => uploader.RunAsync(cts.Token));
        for (int written = 0; written < perSensor;)
        {
            int n = Math.Min(perSensor - written, random.Next(20, 200));
            for (int i = 0; i < SensorCount; i++)
            {
                SensorLog s = sensors[i];
                for (int k = 0; k < n; k++)
                {
                    ulong index = s.GetStats().TailIndex;
                    if (!(s.Type == SensorType.Event ? s.TryAdd(ValueOf(i, index), index) : s.TryAdd(ValueOf(i, index))))
                    {
                        Console.Error.WriteLine($"add refused: {s.GetStats()}");
                        return 1;
                    }
                }
            }
            written += n;
            if (Flushed(store))
            {
                for (int i = 0; i < SensorCount; i++)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"D {i} {sensors[i].GetStats().TailIndex}"));
                }
                Console.WriteLine("E");
            }
            Thread.Sleep(random.Next(0, 20)); // paces the writer like a real sensor, not for synchronization
        }
        Console.WriteLine("W");
        upload.Wait(); // upload forever; the test kills the process
        return 0;
    }

    /// <summary>Flushes; false when the disk failed (the records stay in RAM, the next flush retries, nothing is announced durable meanwhile).</summary>
    private static bool Flushed(SensorStoreSystem store)
    {
        try
        {
            store.Flush();
            return true;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"flush failed: {e.Message}");
            return false;
        }
    }
}
