using ParquetFlow.SensorStore;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>
/// The Linux profile against a naive model (a list of retained records per sensor, what is durable, what
/// is pending) through random adds, consumes, erases, ticks, flushes, clean restarts and crashes.
/// </summary>
public sealed class LinuxModelBasedTests
{
    private sealed class Model
    {
        public List<(ulong Index, uint Value)> Records { get; set; } = [];
        public Dictionary<ulong, uint> Erased { get; } = [];
        public ulong PendingIndex;
        public ulong DurableTail;
        public ulong Next;

        public long Pending => Records.Count(r => r.Index < PendingIndex);
    }

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        int baseSeed = Environment.GetEnvironmentVariable("SENSORSTORE_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : 4242;

        // SENSORSTORE_SEEDS: how many seeds (6 by default; the arm64 leg under emulation runs fewer).
        int seeds = Environment.GetEnvironmentVariable("SENSORSTORE_SEEDS") is { } n ? Math.Max(1, int.Parse(n, System.Globalization.CultureInfo.InvariantCulture)) : 6;
        for (int i = 0; i < seeds; i++)
        {
            data.Add(baseSeed + i);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Store_matches_the_model_across_flushes_restarts_and_crashes(int seed)
    {
        var random = new Random(seed);
        using var dir = new TempDirectory();
        SensorStoreOptions options = SensorStoreOptions.Linux(dir.Path) with
        {
            RamPoolBytes = random.Next(0, 4) * 4096,
            RamSectorSize = random.Next(2) == 0 ? 4096 : 256,
            DiskSectorSize = 4096,
            MaxSensors = 4,
            IndexReservation = 512,
        };
        const int SensorCount = 3;
        SensorStoreSystem store = SensorStoreSystem.Open(options);
        var models = new Model[SensorCount];
        SensorLog[] sensors = Init(store);
        for (int i = 0; i < SensorCount; i++)
        {
            models[i] = new Model { Next = sensors[i].GetStats().TailIndex };
        }
        try
        {
            for (int step = 0; step < TestScale.Count(1500); step++)
            {
                int i = random.Next(SensorCount);
                SensorLog s = sensors[i];
                Model m = models[i];
                string where = $"seed {seed}, step {step}, sensor {i}";
                int op = random.Next(100);
                if (op < 50)
                {
                    int n = random.Next(1, 200);
                    for (int k = 0; k < n; k++)
                    {
                        uint v = (uint)random.Next();
                        Assert.True(s.AddTimeSeries(v) == StoreResult.Ok, where);
                        m.Records.Add((m.Next++, v));
                    }
                }
                else if (op < 65)
                {
                    int max = random.Next(1, 600);
                    var buffer = new uint[max];
                    var expected = m.Records.Where(r => r.Index >= m.PendingIndex).Take(max).ToList();
                    StoreResult r = s.ConsumeBatch(buffer, out int n, out ulong first);
                    if (expected.Count == 0)
                    {
                        Assert.True(r == StoreResult.TryAgain, $"{where}: {r}");
                    }
                    else
                    {
                        // A batch is contiguous: it may stop early at a gap in the indices.
                        Assert.True(r == StoreResult.Ok && n >= 1 && n <= expected.Count, $"{where}: {r} {n}");
                        for (int k = 0; k < n; k++)
                        {
                            Assert.True(expected[k].Index == first + (ulong)k && expected[k].Value == buffer[k], $"{where}: record {k}");
                        }
                        m.PendingIndex = first + (ulong)n;
                    }
                }
                else if (op < 75)
                {
                    Assert.Equal(StoreResult.Ok, s.EraseAllPending());
                    foreach (var r in m.Records.Where(r => r.Index < m.PendingIndex))
                    {
                        m.Erased[r.Index] = r.Value;
                    }
                    m.Records.RemoveAll(r => r.Index < m.PendingIndex);
                }
                else if (op < 83)
                {
                    store.Tick();
                }
                else if (op < 90)
                {
                    Assert.True(store.FlushAll() == StoreResult.Ok, where);
                    foreach (Model mm in models)
                    {
                        mm.DurableTail = mm.Next;
                    }
                }
                else if (op < 95)
                {
                    Assert.True(store.FlushForShutdown(TimeSpan.FromSeconds(30)), where);
                    store.Dispose();
                    store = SensorStoreSystem.Open(options);
                    sensors = Init(store);
                    for (int j = 0; j < SensorCount; j++)
                    {
                        Assert.Equal(0, sensors[j].PendingCount); // pending comes back unsent
                        models[j].PendingIndex = 0;
                        Assert.True(sensors[j].GetStats().TailIndex >= models[j].Next, where);
                        models[j].Next = models[j].DurableTail = sensors[j].GetStats().TailIndex;
                    }
                }
                else if (op < 98)
                {
                    store.Dispose(); // a crash: RAM is gone, only what was durable may come back
                    store = SensorStoreSystem.Open(options);
                    sensors = Init(store);
                    for (int j = 0; j < SensorCount; j++)
                    {
                        Model mm = models[j];
                        var actual = ReadAll(sensors[j]);
                        var required = mm.Records.Where(r => r.Index < mm.DurableTail).ToList();
                        var allowed = new Dictionary<ulong, uint>();
                        foreach (var r in mm.Records)
                        {
                            allowed[r.Index] = r.Value;
                        }
                        foreach (var r in required)
                        {
                            Assert.True(actual.TryGetValue(r.Index, out uint v) && v == r.Value, $"{where}: sensor {j} lost durable record {r.Index}");
                        }
                        foreach (var (index, value) in actual)
                        {
                            // Beyond the model: only records erased after the last meta write may come back
                            // (at least once), and only with their own value.
                            if (allowed.TryGetValue(index, out uint v) || mm.Erased.TryGetValue(index, out v))
                            {
                                Assert.True(v == value, $"{where}: record {index} changed");
                            }
                            else
                            {
                                Assert.Fail($"{where}: sensor {j} returned record {index} that was never written");
                            }
                        }
                        mm.Records = [.. actual.Select(kv => (kv.Key, kv.Value))];
                        mm.PendingIndex = 0;
                        Assert.True(sensors[j].GetStats().TailIndex >= mm.Next, $"{where}: index reused after a crash");
                        mm.Next = mm.DurableTail = sensors[j].GetStats().TailIndex;
                    }
                }
                else
                {
                    if (m.Records.Count > 0)
                    {
                        int k = random.Next(m.Records.Count);
                        Assert.Equal(StoreResult.Ok, s.DiagReadAt((ulong)k, out SensorRecord rec));
                        Assert.True(m.Records[k].Index == rec.Index && m.Records[k].Value == rec.Value, $"{where}: diag {k}");
                    }
                    Assert.Equal(StoreResult.OutOfRange, s.DiagReadAt((ulong)m.Records.Count, out _));
                }
                for (int j = 0; j < SensorCount; j++)
                {
                    Assert.True(models[j].Records.Count == sensors[j].TotalRecords, $"{where}: sensor {j} total {sensors[j].TotalRecords}, model {models[j].Records.Count}");
                    Assert.True(models[j].Pending == sensors[j].PendingCount, $"{where}: sensor {j} pending {sensors[j].PendingCount}, model {models[j].Pending}");
                    SensorStats st = sensors[j].GetStats();
                    Assert.True(st.DroppedNew + st.DroppedRecycled + st.DroppedQuota + st.DroppedCorrupt == 0, $"{where}: {st}");
                }
            }
        }
        finally
        {
            store.Dispose();
        }
    }

    private static SensorLog[] Init(SensorStoreSystem store)
    {
        var sensors = new SensorLog[3];
        for (int i = 0; i < sensors.Length; i++)
        {
            Assert.Equal(StoreResult.Ok, store.InitSensor((SensorSource)i, 77, SensorType.TimeSeries, out SensorLog? s));
            sensors[i] = s!;
        }
        return sensors;
    }

    /// <summary>Every retained record through diagnostic reads (moves no cursor).</summary>
    private static SortedDictionary<ulong, uint> ReadAll(SensorLog s)
    {
        var all = new SortedDictionary<ulong, uint>();
        for (ulong k = 0; s.DiagReadAt(k, out SensorRecord r) == StoreResult.Ok; k++)
        {
            Assert.False(all.ContainsKey(r.Index), $"index {r.Index} twice");
            all[r.Index] = r.Value;
        }
        return all;
    }
}
