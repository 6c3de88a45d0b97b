using ParquetFlow.SensorStore;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>
/// Drives the store and a deliberately naive reference model (lists of records grouped in sectors, every
/// count recomputed by brute force) with the same random operations and compares every observable result.
/// </summary>
public sealed class ModelBasedTests
{
    private sealed class ModelSensor(SensorType type, int perSector)
    {
        public SensorType Type { get; } = type;
        public int PerSector { get; } = perSector;
        public List<(ulong First, List<(ulong Index, uint Value, ulong Ts)> Records)> Sectors { get; } = [(0, [])];
        public ulong Next;
        public ulong Erased;
        public ulong PendingIndex;
        public ulong DroppedNew;
        public ulong DroppedRecycled;

        public IEnumerable<(ulong Index, uint Value, ulong Ts)> Retained =>
            Sectors.SelectMany(s => s.Records).Where(r => r.Index >= Erased);

        public long Pending => Retained.LongCount(r => r.Index < PendingIndex);
    }

    private sealed class Model(int sharedSectors)
    {
        public int SharedFree = sharedSectors;

        public StoreResult Add(ModelSensor m, uint value, ulong ts)
        {
            var tail = m.Sectors[^1];
            if (tail.Records.Count == m.PerSector)
            {
                if (m.Sectors.Count == 1 && tail.Records[^1].Index < m.Erased)
                {
                    m.Sectors[0] = (m.Next, []);
                }
                else if (SharedFree > 0)
                {
                    SharedFree--;
                    m.Sectors.Add((m.Next, []));
                }
                else
                {
                    long pending = m.Pending;
                    int victim = m.Sectors.FindIndex(s => s.Records.Count > 0 && !(pending > 0 && s.First < m.PendingIndex));
                    if (victim < 0)
                    {
                        m.DroppedNew++;
                        return StoreResult.NoSpace;
                    }
                    m.DroppedRecycled += (ulong)m.Sectors[victim].Records.Count(r => r.Index >= m.Erased);
                    m.Sectors.RemoveAt(victim);
                    m.Sectors.Add((m.Next, []));
                }
            }
            m.Sectors[^1].Records.Add((m.Next, value, m.Type == SensorType.Event ? ts : 0));
            m.Next++;
            return StoreResult.Ok;
        }

        public List<(ulong Index, uint Value, ulong Ts)> Consume(ModelSensor m, int max)
        {
            var unsent = m.Retained.Where(r => r.Index >= m.PendingIndex).ToList();
            var batch = new List<(ulong Index, uint Value, ulong Ts)>();
            foreach (var r in unsent)
            {
                if (batch.Count == max || (batch.Count > 0 && r.Index != batch[^1].Index + 1))
                {
                    break;
                }
                batch.Add(r);
            }
            if (batch.Count > 0)
            {
                m.PendingIndex = batch[^1].Index + 1;
            }
            return batch;
        }

        public void Erase(ModelSensor m)
        {
            if (m.Pending == 0)
            {
                return;
            }
            m.Erased = m.PendingIndex;
            while (m.Sectors.Count > 1 && m.Sectors[0].Records.All(r => r.Index < m.Erased))
            {
                m.Sectors.RemoveAt(0);
                SharedFree++;
            }
            if (m.Sectors.Count == 1 && m.Sectors[0].Records.Count > 0 && m.Sectors[0].Records.All(r => r.Index < m.Erased))
            {
                m.Sectors[0] = (m.Next, []);
            }
        }
    }

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        int baseSeed = Environment.GetEnvironmentVariable("SENSORSTORE_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : 20260523;
        for (int i = 0; i < 24; i++)
        {
            data.Add(baseSeed + i);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Store_matches_the_reference_model(int seed)
    {
        var random = new Random(seed);
        int sensors = random.Next(1, 5);
        int shared = random.Next(0, 6);
        int sectorSize = random.Next(2) == 0 ? 256 : 16 + (12 * random.Next(1, 6));
        int budget = SensorStoreOptions.Stm32SystemBytes + (sensors * SensorStoreOptions.Stm32BytesPerSensor)
            + ((sensors + shared) * (sectorSize + SensorStoreOptions.Stm32BytesPerSectorLink));
        using SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Stm32() with
        {
            MaxSensors = sensors,
            MemoryBudgetBytes = budget,
            RamSectorSize = sectorSize,
        });
        var model = new Model(shared);
        var real = new SensorLog[sensors];
        var ref_ = new ModelSensor[sensors];
        for (int i = 0; i < sensors; i++)
        {
            SensorType type = random.Next(2) == 0 ? SensorType.TimeSeries : SensorType.Event;
            Assert.Equal(StoreResult.Ok, store.InitSensor((SensorSource)(i % 3), (uint)(i / 3), type, out SensorLog? s));
            real[i] = s!;
            ref_[i] = new ModelSensor(type, s!.RecordsPerSector);
        }

        for (int step = 0; step < 4000; step++)
        {
            int i = random.Next(sensors);
            SensorLog s = real[i];
            ModelSensor m = ref_[i];
            string where = $"seed {seed}, step {step}, sensor {i}";
            int op = random.Next(100);
            if (op < 55)
            {
                uint v = (uint)random.Next();
                ulong ts = (ulong)random.NextInt64();
                StoreResult expected = model.Add(m, v, ts);
                StoreResult actual = m.Type == SensorType.Event ? s.AddEvent(v, ts) : s.AddTimeSeries(v);
                Assert.True(expected == actual, $"{where}: add {actual}, model {expected}");
            }
            else if (op < 70)
            {
                int max = random.Next(1, 3 * m.PerSector);
                var expected = model.Consume(m, max);
                var buffer = new byte[max * (m.Type == SensorType.Event ? 12 : 4)];
                StoreResult r = s.ConsumeBatch(buffer, out int n, out ulong first);
                Assert.True((expected.Count > 0 ? StoreResult.Ok : StoreResult.TryAgain) == r, $"{where}: consume {r}");
                Assert.True(expected.Count == n, $"{where}: consumed {n}, model {expected.Count}");
                for (int k = 0; k < n; k++)
                {
                    Assert.True(expected[k].Index == first + (ulong)k, $"{where}: index");
                    Assert.True(expected[k].Value == BitConverter.ToUInt32(buffer, k * (buffer.Length / max)), $"{where}: value");
                    if (m.Type == SensorType.Event)
                    {
                        Assert.True(expected[k].Ts == BitConverter.ToUInt64(buffer, (k * 12) + 4), $"{where}: ts");
                    }
                }
            }
            else if (op < 76)
            {
                var expected = model.Consume(m, 1);
                StoreResult r = s.ConsumeNext(out SensorRecord rec);
                Assert.True((expected.Count > 0 ? StoreResult.Ok : StoreResult.TryAgain) == r, $"{where}: consume next {r}");
                if (expected.Count > 0)
                {
                    Assert.Equal(new SensorRecord(expected[0].Index, expected[0].Value, expected[0].Ts), rec);
                }
            }
            else if (op < 88)
            {
                model.Erase(m);
                Assert.Equal(StoreResult.Ok, s.EraseAllPending());
            }
            else
            {
                var retained = m.Retained.ToList();
                ulong offset = (ulong)random.Next(retained.Count + 2);
                StoreResult r = s.DiagReadAt(offset, out SensorRecord rec);
                if (offset < (ulong)retained.Count)
                {
                    Assert.True(r == StoreResult.Ok, $"{where}: diag {r}");
                    var e = retained[(int)offset];
                    Assert.Equal(new SensorRecord(e.Index, e.Value, e.Ts), rec);
                }
                else
                {
                    Assert.True(r == StoreResult.OutOfRange, $"{where}: diag past the end {r}");
                }
            }

            long total = m.Retained.LongCount();
            long pending = m.Pending;
            Assert.True(total == s.TotalRecords, $"{where}: total {s.TotalRecords}, model {total}");
            Assert.True(total - pending == s.UnsentCount, $"{where}: unsent {s.UnsentCount}, model {total - pending}");
            SensorStats st = s.GetStats();
            Assert.True(m.DroppedNew == st.DroppedNew && m.DroppedRecycled == st.DroppedRecycled,
                $"{where}: dropped new {st.DroppedNew}/{m.DroppedNew} recycled {st.DroppedRecycled}/{m.DroppedRecycled}");
            Assert.True(m.Next == st.TailIndex, $"{where}: tail");
            Assert.True(m.Sectors.Count == st.RamSectors, $"{where}: sectors {st.RamSectors}, model {m.Sectors.Count}");
            Assert.True(store.GetStats().AccountedBytes <= budget, $"{where}: budget");
        }
    }
}
