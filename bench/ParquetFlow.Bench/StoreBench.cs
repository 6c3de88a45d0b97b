using System.CommandLine;
using System.Diagnostics;
using ParquetFlow.Cli;
using ParquetFlow.SensorStore;

namespace ParquetFlow.Bench;

/// <summary>
/// <c>pqflow bench store</c>: the sensor store's end-to-end figures — add latency with 2,048 sensors and
/// 2 writer threads (percentiles), sustained ingest with disk spill, shutdown flush, recovery time and
/// memory with and without meta files at a filled quota, and the STM32 memory accounting.
/// </summary>
public static class StoreBench
{
    /// <summary>The harness as a command named <paramref name="name"/> (<c>store</c> under <c>bench</c>; <c>bench</c> for the hidden <c>pqflow store bench</c>).</summary>
    public static Command Create(string name)
    {
        var what = new Option<string>("--what") { Description = "add, flush, recovery, stm32, upload (real brokers, from a checkout) or all", DefaultValueFactory = _ => "all" };
        var gateways = new Option<int>("--gateways") { Description = "Upload: gateways in the NATS fleet", DefaultValueFactory = _ => 50 };
        var dir = new Option<string?>("--dir") { Description = "Scratch directory (default: a new one under /tmp, removed after)" };
        var fill = new Option<int>("--fill-mb") { Description = "Recovery: disk backlog to build, in MiB (the quota is 256)", DefaultValueFactory = _ => 256 };
        var command = new Command(name, "Measure the sensor store (add latency, flush throughput, recovery, STM32 accounting, upload throughput to real brokers).");
        command.Options.Add(what);
        command.Options.Add(gateways);
        command.Options.Add(dir);
        command.Options.Add(fill);
        command.SetAction(r =>
        {
            string w = r.GetValue(what)!;
            string root = r.GetValue(dir) ?? Path.Combine(Path.GetTempPath(), "pqflow-store-bench-" + Environment.ProcessId);
            bool cleanup = r.GetValue(dir) is null;
            try
            {
                var failures = new List<string>();
                if (w is "add" or "all")
                {
                    AddLatency(Path.Combine(root, "add"));
                }
                if (w is "flush" or "all")
                {
                    Flush(Path.Combine(root, "flush"), failures);
                }
                if (w is "recovery" or "all")
                {
                    Recovery(Path.Combine(root, "recovery"), r.GetValue(fill), failures);
                }
                if (w is "stm32" or "all")
                {
                    Stm32(failures);
                }
                if (w is "upload" or "all")
                {
                    UploadBench.RunAsync(Path.Combine(root, "upload"), Math.Max(1, r.GetValue(gateways)), failures, CancellationToken.None).GetAwaiter().GetResult();
                }
                if (failures.Count > 0)
                {
                    // The figures above measured a store that did not keep everything: they are not the store's.
                    Console.Error.WriteLine($"pqflow bench store: {string.Join("; ", failures)}");
                    return 1;
                }
                return 0;
            }
            finally
            {
                if (cleanup && Directory.Exists(root))
                {
                    Directory.Delete(root, recursive: true);
                }
            }
        });
        return command;
    }

    private static SensorLog[] Sensors(SensorStoreSystem store, int n, SensorType type)
    {
        var sensors = new SensorLog[n];
        for (int i = 0; i < n; i++)
        {
            sensors[i] = store.GetOrCreateSensor((SensorSource)(i % 3), (uint)(i / 3), type);
        }
        return sensors;
    }

    private static void Drain(SensorLog[] sensors)
    {
        var buffer = new byte[12 * 4096];
        foreach (SensorLog s in sensors)
        {
            while (s.TryConsumeBatch(buffer, out _, out _))
            {
                s.AcknowledgePending();
            }
        }
    }

    private static void AddLatency(string dir)
    {
        foreach (SensorType type in new[] { SensorType.TimeSeries, SensorType.Event })
        {
            using SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Linux(Path.Combine(dir, type.ToString())));
            SensorLog[] sensors = Sensors(store, 2048, type);
            const int Rounds = 300; // records per sensor per pass: stays inside each sensor's first sector
            const int Passes = 5;
            var samples = new long[2][];
            for (int t = 0; t < 2; t++)
            {
                samples[t] = new long[Passes * Rounds * 1024];
            }
            // Warm-up pass (first writes persist each sensor's index reservation), then drain.
            for (int i = 0; i < sensors.Length; i++)
            {
                _ = type == SensorType.Event ? sensors[i].TryAdd(1, 1) : sensors[i].TryAdd(1);
            }
            Drain(sensors);
            long timerCost = TimerCost();
            var wall = new Stopwatch();
            for (int pass = 0; pass < Passes; pass++)
            {
                var threads = new Thread[2];
                using var start = new Barrier(2);
                for (int t = 0; t < 2; t++)
                {
                    int tt = t;
                    int p = pass;
                    threads[t] = new Thread(() =>
                    {
                        long[] mine = samples[tt];
                        int k = p * Rounds * 1024;
                        start.SignalAndWait();
                        for (int round = 0; round < Rounds; round++)
                        {
                            for (int i = tt; i < sensors.Length; i += 2)
                            {
                                SensorLog s = sensors[i];
                                long t0 = Stopwatch.GetTimestamp();
                                if (type == SensorType.Event)
                                {
                                    s.TryAdd((uint)round, (ulong)round);
                                }
                                else
                                {
                                    s.TryAdd((uint)round);
                                }
                                mine[k++] = Stopwatch.GetTimestamp() - t0;
                            }
                        }
                    });
                    threads[t].Start();
                }
                wall.Start();
                foreach (Thread th in threads)
                {
                    th.Join();
                }
                wall.Stop();
                Drain(sensors);
            }
            long[] all = [.. samples[0], .. samples[1]];
            Array.Sort(all);
            double ns = 1e9 / Stopwatch.Frequency;
            double P(double q) => Math.Max(0, all[(int)Math.Min(all.Length - 1, q * all.Length)] - timerCost) * ns;
            Console.WriteLine($"add {type}, 2048 sensors, 2 writer threads, {all.Length:N0} adds: p50 {P(0.50):F0} ns, p99 {P(0.99):F0} ns, " +
                $"p99.9 {P(0.999):F0} ns, max {P(1.0) / 1000:F1} us; {all.Length / wall.Elapsed.TotalSeconds / 1e6:F1} M adds/s " +
                $"(timer cost {timerCost * ns:F0} ns subtracted)");
        }
    }

    private static long TimerCost()
    {
        var costs = new long[100_000];
        for (int i = 0; i < costs.Length; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            costs[i] = Stopwatch.GetTimestamp() - t0;
        }
        Array.Sort(costs);
        return costs[costs.Length / 2];
    }

    private static void Flush(string dir, List<string> failures)
    {
        // Shutdown flush: every one of 2,048 sensors holds a RAM sector of 1,000 records.
        using (SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Linux(Path.Combine(dir, "shutdown"))))
        {
            SensorLog[] sensors = Sensors(store, 2048, SensorType.TimeSeries);
            foreach (SensorLog s in sensors)
            {
                for (uint v = 0; v < 1000; v++)
                {
                    s.TryAdd(v);
                }
            }
            var clock = Stopwatch.StartNew();
            bool ok = store.FlushForShutdown();
            double s2 = clock.Elapsed.TotalSeconds;
            Check("shutdown flush", store, ok, failures);
            Console.WriteLine($"shutdown flush of 2048 sensors x 1000 records ({2048 * 4000 / 1e6:F1} MB of records, one sector + one meta fsync each): " +
                $"{s2 * 1000:F0} ms, {(ok ? "complete" : "INCOMPLETE")}");
        }
        // Sustained ingest through the 64 KB RAM pool into 64 KB disk sectors (the manager spills; writers flush when RAM is full).
        using (SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Linux(Path.Combine(dir, "sustained"))))
        {
            SensorLog[] sensors = Sensors(store, 16, SensorType.TimeSeries);
            store.StartManager(TimeSpan.FromMilliseconds(100));
            const int PerSensor = 2_000_000;
            var clock = Stopwatch.StartNew();
            for (int round = 0; round < PerSensor / 1000; round++)
            {
                foreach (SensorLog s in sensors)
                {
                    for (uint v = 0; v < 1000; v++)
                    {
                        s.TryAdd(v);
                    }
                }
            }
            try
            {
                store.Flush();
            }
            catch (IOException e)
            {
                failures.Add($"sustained ingest: {e.Message}");
            }
            double secs = clock.Elapsed.TotalSeconds;
            Check("sustained ingest", store, flushed: true, failures);
            long records = 16L * PerSensor;
            StoreStats st = store.GetStats();
            Console.WriteLine($"sustained ingest with disk spill, 16 sensors x {PerSensor:N0} records: {records / secs / 1e6:F2} M records/s, " +
                $"{records * 4 / secs / 1e6:F0} MB/s of records to fsynced 64 KB sectors ({st.DiskBytesUsed / 1048576} MiB on disk)");
        }
    }

    /// <summary>Adds a failure when the store did not keep everything (see <see cref="StoreOutcome.NotStored"/>).</summary>
    private static void Check(string phase, SensorStoreSystem store, bool flushed, List<string> failures)
    {
        if (StoreOutcome.NotStored(store, flushed) is { } why)
        {
            failures.Add($"{phase}: {why}");
        }
    }

    private static void Recovery(string dir, int fillMb, List<string> failures)
    {
        var options = SensorStoreOptions.Linux(dir);
        int sensorsCount = 2048;
        long sectors = Math.Min(options.DiskQuotaBytes, (long)fillMb << 20) / options.DiskSectorSize;
        int perSensorSectors = (int)Math.Max(1, sectors / sensorsCount);
        int perSector = (options.DiskSectorSize - 16) / 4;
        var clock = Stopwatch.StartNew();
        string host = Path.Combine(dir, "host");
        if (Directory.Exists(host) && Directory.EnumerateFiles(host).Any())
        {
            Console.WriteLine($"recovery: reusing the store already in {dir}");
        }
        else
        {
            using SensorStoreSystem store = SensorStoreSystem.Open(options);
            SensorLog[] sensors = Sensors(store, sensorsCount, SensorType.TimeSeries);
            foreach (SensorLog s in sensors)
            {
                for (long v = 0; v < (long)perSensorSectors * perSector; v++)
                {
                    s.TryAdd((uint)v);
                }
                s.TryConsumeBatch(new byte[400], out _, out _); // a pending batch, as at a real cut
            }
            Check("recovery set-up", store, store.FlushForShutdown(TimeSpan.FromMinutes(10)), failures);
            StoreStats st = store.GetStats();
            Console.WriteLine($"recovery: built {st.DiskBytesUsed / 1048576} MiB in {sensorsCount} sensors ({sensorsCount * (long)perSensorSectors * perSector:N0} records) in {clock.Elapsed.TotalSeconds:F1} s");
        }
        Measure("with meta files (first open in this process: includes JIT)", options);
        Measure("with meta files (warm)", options);
        foreach (string meta in Directory.EnumerateFiles(dir, "*.meta", SearchOption.AllDirectories))
        {
            File.Move(meta, meta + ".away");
        }
        Measure("without meta (full CRC scan, page cache, warm)", options);
        foreach (string meta in Directory.EnumerateFiles(dir, "*.meta.away", SearchOption.AllDirectories))
        {
            File.Move(meta, meta[..^5], overwrite: true);
        }
    }

    private static void Measure(string what, SensorStoreOptions options)
    {
        GC.Collect();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        using SensorStoreSystem store = SensorStoreSystem.Open(options);
        double ms = clock.Elapsed.TotalMilliseconds;
        long used = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        StoreStats st = store.GetStats();
        long records = 0;
        foreach (SensorLog s in store.Sensors)
        {
            records += s.TotalRecords;
        }
        Console.WriteLine($"recovery {what}: {ms:F0} ms for {st.RecoveredSensors} sensors, {st.DiskBytesUsed / 1048576} MiB, {records:N0} records; " +
            $"{used / 1048576.0:F1} MiB managed bytes allocated (the {st.RamSectorsCapacity * st.RamSectorSize / 1048576.0:F1} MiB RAM pool is native), {st.CorruptSectorsAtRecovery} corrupt");
    }

    private static void Stm32(List<string> failures)
    {
        using SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Stm32());
        SensorLog[] sensors = Sensors(store, 100, SensorType.TimeSeries);
        foreach (SensorLog s in sensors)
        {
            for (uint v = 0; v < 500; v++)
            {
                s.TryAdd(v);
            }
        }
        StoreStats st = store.GetStats();
        long dropped = 0;
        foreach (SensorLog s in sensors)
        {
            dropped += (long)s.GetStats().DroppedRecycled;
        }
        Console.WriteLine($"stm32: 100 sensors filled past capacity: {st.RamSectorsUsed}/{st.RamSectorsCapacity} sectors of 256 B, accounted {st.AccountedBytes} B " +
            $"of {st.MemoryBudgetBytes} B (sectors {st.RamSectorsCapacity * 256} + links {st.RamSectorsCapacity * 2} + sensors {100 * SensorStoreOptions.Stm32BytesPerSensor} + system {SensorStoreOptions.Stm32SystemBytes}); {dropped:N0} oldest unsent records recycled");
        if (st.AccountedBytes > st.MemoryBudgetBytes || st.RamSectorsUsed != st.RamSectorsCapacity)
        {
            failures.Add($"stm32: {st.AccountedBytes} B accounted of a {st.MemoryBudgetBytes} B budget, {st.RamSectorsUsed} of {st.RamSectorsCapacity} sectors in use");
        }
    }
}
