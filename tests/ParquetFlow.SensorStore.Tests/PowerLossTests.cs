using System.Diagnostics;
using ParquetFlow.SensorStore;
using ParquetFlow.SensorStore.TestProcess;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>
/// A child process writes, consumes and erases, and prints what is durable after each flush; it is killed
/// with SIGKILL at random points, files are damaged at random offsets, and every restart must start by
/// itself and return every durable record, none corrupt. <c>SENSORSTORE_SOAK=N</c> runs N cuts.
/// </summary>
public sealed class PowerLossTests(ITestOutputHelper output)
{
    [Fact]
    public void Sigkill_at_random_points_and_damaged_files_never_lose_a_durable_record_nor_return_a_corrupt_one()
    {
        int seed = Environment.GetEnvironmentVariable("SENSORSTORE_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Environment.TickCount;
        int cuts = Environment.GetEnvironmentVariable("SENSORSTORE_SOAK") is { } n ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : 6;
        output.WriteLine($"seed {seed}, cuts {cuts}");
        var random = new Random(seed);
        using var dir = new TempDirectory();
        var required = new List<(ulong From, ulong To)>[WriteLoop.SensorCount];
        var floor = new ulong[WriteLoop.SensorCount];
        for (int i = 0; i < required.Length; i++)
        {
            required[i] = [];
        }

        for (int cut = 0; cut < cuts; cut++)
        {
            string where = $"seed {seed}, cut {cut}";
            var runStart = new ulong?[WriteLoop.SensorCount];
            var pendingAtStart = new long[WriteLoop.SensorCount];
            var lastTail = new ulong?[WriteLoop.SensorCount];
            var lastHead = new ulong[WriteLoop.SensorCount];
            var pendingTail = new ulong?[WriteLoop.SensorCount];
            var pendingHead = new ulong[WriteLoop.SensorCount];
            int epochs = 0;
            int wanted = random.Next(1, 6);
            using (Process child = ChildProcess.Start("write", dir.Path, random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                var stopwatch = Stopwatch.StartNew();
                string? line;
                while ((line = child.StandardOutput.ReadLine()) is not null)
                {
                    string[] f = line.Split(' ');
                    if (f[0] == "S")
                    {
                        runStart[int.Parse(f[1])] = ulong.Parse(f[2]);
                        pendingAtStart[int.Parse(f[1])] = long.Parse(f[3]);
                    }
                    else if (f[0] == "D")
                    {
                        int i = int.Parse(f[1]);
                        pendingTail[i] = ulong.Parse(f[2]);
                        pendingHead[i] = ulong.Parse(f[3]);
                    }
                    else if (f[0] == "X")
                    {
                        int i = int.Parse(f[1]);
                        floor[i] = Math.Max(floor[i], ulong.Parse(f[2]));
                    }
                    else if (f[0] == "E")
                    {
                        Array.Copy(pendingTail, lastTail, lastTail.Length);
                        Array.Copy(pendingHead, lastHead, lastHead.Length);
                        if (++epochs >= wanted)
                        {
                            // Let it run on for a random moment past a durable point, then cut.
                            Thread.SpinWait(random.Next(0, 2_000_000));
                            break;
                        }
                    }
                    if (stopwatch.Elapsed > TimeSpan.FromMinutes(2))
                    {
                        Assert.Fail($"{where}: child too slow");
                    }
                }
                child.Kill();
                child.WaitForExit();
                while ((line = child.StandardOutput.ReadLine()) is not null)
                {
                    string[] f = line.Split(' ');
                    if (f[0] == "X")
                    {
                        int i = int.Parse(f[1]);
                        floor[i] = Math.Max(floor[i], ulong.Parse(f[2]));
                    }
                }
                Assert.True(epochs >= wanted, $"{where}: child exited early: {child.StandardError.ReadToEnd()}");
            }
            for (int i = 0; i < WriteLoop.SensorCount; i++)
            {
                Assert.True(pendingAtStart[i] == 0, $"{where}: sensor {i} recovered with pending records");
                if (runStart[i] is { } from && lastTail[i] is { } to && to > from)
                {
                    required[i].Add((from, to));
                }
                floor[i] = Math.Max(floor[i], lastHead[i]);
            }

            int damaged = -1;
            if (cut % 2 == 1)
            {
                damaged = random.Next(WriteLoop.SensorCount);
                Damage(dir.Path, damaged, random, output);
            }
            Verify(dir.Path, required, floor, damaged, where);
            if (damaged >= 0)
            {
                required[damaged].Clear(); // what was durable before the damage may legitimately be gone now
            }
        }
    }

    private static void Damage(string root, int sensor, Random random, ITestOutputHelper output)
    {
        var (source, id, _) = WriteLoop.Describe(sensor);
        string dat = Path.Combine(root, source switch { SensorSource.Host => "host", SensorSource.Application => "application", _ => "can" },
            $"sensor_{id:D10}.dat");
        if (!File.Exists(dat) || new FileInfo(dat).Length == 0)
        {
            return;
        }
        byte[] bytes = File.ReadAllBytes(dat);
        int kind = random.Next(3);
        int offset = random.Next(bytes.Length);
        switch (kind)
        {
            case 0:
                bytes[offset] ^= (byte)(1 << random.Next(8));
                break;
            case 1:
                Array.Resize(ref bytes, offset);
                break;
            default:
                int len = Math.Min(bytes.Length - offset, random.Next(1, 8192));
                random.NextBytes(bytes.AsSpan(offset, len)); // a torn sector: garbage where the write stopped
                break;
        }
        output.WriteLine($"damage {kind} at {offset} in {dat}");
        File.WriteAllBytes(dat, bytes);
    }

    private static void Verify(string root, List<(ulong From, ulong To)>[] required, ulong[] floor, int damaged, string where)
    {
        using SensorStoreSystem store = SensorStoreSystem.Open(WriteLoop.Options(root));
        for (int i = 0; i < WriteLoop.SensorCount; i++)
        {
            var (source, id, type) = WriteLoop.Describe(i);
            Assert.Equal(StoreResult.Ok, store.InitSensor(source, id, type, out SensorLog? s));
            Assert.Equal(0, s!.PendingCount);
            var present = new HashSet<ulong>();
            var buffer = new byte[12 * 2048];
            ulong last = 0;
            bool any = false;
            int size = type == SensorType.Event ? 12 : 4;
            while (s.ConsumeBatch(buffer, out int n, out ulong first) == StoreResult.Ok)
            {
                for (int k = 0; k < n; k++)
                {
                    ulong index = first + (ulong)k;
                    if (any && index <= last)
                    {
                        Assert.Fail($"{where}: sensor {i} index {index} after {last}");
                    }
                    any = true;
                    last = index;
                    uint value = BitConverter.ToUInt32(buffer, k * size);
                    if (WriteLoop.ValueOf(i, index) != value || (type == SensorType.Event && BitConverter.ToUInt64(buffer, (k * size) + 4) != index * 3))
                    {
                        Assert.Fail($"{where}: sensor {i} record {index} is corrupt");
                    }
                    present.Add(index);
                }
            }
            if (i == damaged)
            {
                continue;
            }
            foreach (var (from, to) in required[i])
            {
                for (ulong index = Math.Max(from, floor[i]); index < to; index++)
                {
                    if (!present.Contains(index))
                    {
                        Assert.Fail($"{where}: sensor {i} lost durable record {index} (range {from}..{to}, floor {floor[i]}); {s.GetStats()}; {string.Join(" | ", store.GetStats().RecoveryReport)}");
                    }
                }
            }
        }
    }
}
