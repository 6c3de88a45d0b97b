using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Retention;
using ParquetFlow.Collector.Server;
using ParquetFlow.Parquet;
using Xunit;
using static ParquetFlow.Collector.Tests.CollectorServerTests;

namespace ParquetFlow.Collector.Tests;

/// <summary>Runs alone: it measures the process's managed heap and open descriptors, which parallel tests would move.</summary>
[CollectionDefinition(nameof(SimulatedMonthTests), DisableParallelization = true)]
public sealed class SimulatedMonthCollection;

/// <summary>
/// A real server under a fake clock through 30 days of traffic with retention on: disk use, managed heap, open
/// partitions and open descriptors stay bounded, and the days retention keeps are all there.
/// </summary>
[Collection(nameof(SimulatedMonthTests))]
public sealed class SimulatedMonthTests(ITestOutputHelper output) : IDisposable
{
    private const int Sources = 3;
    private const int Registers = 100;
    private static readonly TimeSpan s_step = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan s_keep = TimeSpan.FromDays(7);

    // On tmpfs when there is one: the month's thousands of fsyncs cost nothing there, and the test stays a few seconds.
    private readonly string _directory = Directory.Exists("/dev/shm")
        ? Directory.CreateDirectory(Path.Combine("/dev/shm", "pqflow-month-" + Guid.NewGuid().ToString("N"))).FullName
        : Directory.CreateTempSubdirectory("pqflow-month-").FullName;

    private readonly HashSet<string> _finished = [];

    [Fact]
    public async Task A_month_of_traffic_keeps_disk_memory_partitions_and_open_files_bounded()
    {
        // A month before the real time: a file the server writes carries the real time, "from the future" for the fake
        // clock, until StampWrites gives it the simulated time (retention must not see the real time as a month old).
        DateTimeOffset start = new DateTimeOffset(DateTimeOffset.UtcNow.Date, TimeSpan.Zero) - TimeSpan.FromDays(31);
        var clock = new FakeTimeProvider(start);
        var options = new CollectorOptions
        {
            DataDirectory = _directory,
            Listeners = [new ListenerOptions(0, FramingKind.Packet)],
            FlushInterval = TimeSpan.FromHours(1), // real time: the test runs the flusher's rounds itself
            TimeProvider = clock,
            RawLogRotateBytes = 32 << 10,
            IdleTimeout = TimeSpan.FromDays(1), // the one connection sends every 30 simulated minutes
            PartitionIdleTimeout = TimeSpan.FromHours(2), // a source sends every 30 min: its files end by age, hourly
            Retention = new RetentionOptions { MaxAge = s_keep },
        };
        var days = new List<(int Day, long DiskBytes, long Heap, int OpenPartitions, int Descriptors, int ParquetFiles, int RawFiles)>();
        var rowsPerDate = new Dictionary<DateOnly, long>();
        int steps = (int)(TimeSpan.FromDays(30) / s_step);
        TimeSpan maintaining = TimeSpan.Zero;
        int maxOpen = 0;
        await using (CollectorServer server = CollectorServer.Start(options))
        {
            using var client = new TcpClient();
            client.NoDelay = true; // frames then a query each step: no 40 ms delayed-ACK stall per step
            await client.ConnectAsync(server.EndPoints[0]);
            NetworkStream stream = client.GetStream();
            for (int step = 0; step < steps; step++)
            {
                DateTimeOffset now = clock.GetUtcNow();
                for (int source = 1; source <= Sources; source++)
                {
                    RackPacket packet = Frame(source, step, now);
                    await stream.WriteAsync(Encode(packet, packetFraming: true));
                }

                // A fourth source sends during the first week only: its partitions and files go as well.
                if (now < start + s_keep)
                {
                    await stream.WriteAsync(Encode(Frame(Sources + 1, step, now), packetFraming: true));
                }

                await QueryAsync(stream, 1, 0); // every frame before it is accepted
                DateOnly date = DateOnly.FromDateTime(now.UtcDateTime);
                rowsPerDate[date] = rowsPerDate.GetValueOrDefault(date) + ((now < start + s_keep ? Sources + 1 : Sources) * Registers);
                maxOpen = Math.Max(maxOpen, ParquetOpen(server));
                var watch = System.Diagnostics.Stopwatch.StartNew();
                server.Maintain();
                maintaining += watch.Elapsed;
                StampWrites(now);
                Assert.True(server.Metrics.FlushFailures == 0, server.Metrics.LastError);

                clock.Advance(s_step);
                if ((step + 1) % (int)(TimeSpan.FromDays(1) / s_step) == 0)
                {
                    days.Add((
                        (step + 1) / (int)(TimeSpan.FromDays(1) / s_step),
                        DiskBytes(),
                        GC.GetTotalMemory(forceFullCollection: true),
                        ParquetOpen(server),
                        Directory.GetFiles("/proc/self/fd").Length,
                        Directory.EnumerateFiles(_directory, "*.parquet*", SearchOption.AllDirectories).Count(),
                        Directory.EnumerateFiles(Path.Combine(_directory, "raw")).Count()));
                }
            }

            Assert.Equal(0, server.Metrics.FlushFailures);
            output.WriteLine(string.Join("\n", Instruments.Read(server).OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key} {m.Value}")));
            output.WriteLine($"the flusher's rounds took {maintaining.TotalSeconds:0.0} s of real time");
        }

        foreach ((int day, long disk, long heap, int open, int descriptors, int parquet, int raw) in days)
        {
            output.WriteLine($"day {day,2}: disk {disk,10:N0} B, heap {heap,12:N0} B, open partitions {open}, descriptors {descriptors}, Parquet files {parquet}, raw-log files {raw}");
        }

        // From the day retention starts deleting, disk use stops growing: the last day holds no more than the ninth
        // (7 days kept, the same traffic each day, and a source less after the first week).
        var ninth = days.Single(d => d.Day == 9);
        var last = days[^1];
        Assert.True(last.DiskBytes <= ninth.DiskBytes * 1.1, $"disk grew from {ninth.DiskBytes:N0} B on day 9 to {last.DiskBytes:N0} B on day 30");
        Assert.True(days.Max(d => d.DiskBytes) <= days.Single(d => d.Day == 8).DiskBytes * 1.3, "disk use peaked far past what a week of files takes");
        Assert.True(last.ParquetFiles <= ((8 * 24) + 2) * Sources, $"{last.ParquetFiles} Parquet files kept for 7 days of hourly files of {Sources} sources");

        // Memory, partitions and descriptors: what the second day had, not a month's growth.
        output.WriteLine($"at most {maxOpen} partitions open before a flusher round");
        Assert.InRange(maxOpen, Sources, Sources + 1);
        Assert.All(days, d => Assert.True(d.OpenPartitions <= Sources + 1, $"day {d.Day}: {d.OpenPartitions} partitions open"));
        Assert.True(last.Heap <= days[1].Heap + (16 << 20), $"managed heap grew from {days[1].Heap:N0} B on day 2 to {last.Heap:N0} B on day 30");
        Assert.True(days.Max(d => d.Descriptors) <= days[0].Descriptors + 16, $"open descriptors went from {days[0].Descriptors} to {days.Max(d => d.Descriptors)}");

        // What retention keeps is whole: every row of the last six days is in a finished file, once.
        Assert.Empty(Directory.EnumerateFiles(_directory, "*.inprogress", SearchOption.AllDirectories));
        DateOnly lastDate = DateOnly.FromDateTime((start + TimeSpan.FromDays(29)).UtcDateTime);
        for (DateOnly date = lastDate.AddDays(-5); date <= lastDate; date = date.AddDays(1))
        {
            string pattern = $"date={date:yyyy-MM-dd}";
            long rows = Directory.EnumerateFiles(Path.Combine(_directory, "parquet"), "*.parquet", SearchOption.AllDirectories)
                .Where(f => f.Contains(pattern, StringComparison.Ordinal))
                .Sum(f => ParquetFooter.Read(f).Metadata.NumRows);
            Assert.Equal(rowsPerDate[date], rows);
        }

        // And the dates retention removed are gone from disk, oldest first.
        Assert.False(Directory.Exists(Path.Combine(_directory, "parquet", $"source=RACK-{Sources + 1}")), "the source quiet since the first week still has files");
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(_directory, "parquet"), $"date={DateOnly.FromDateTime(start.UtcDateTime):yyyy-MM-dd}", SearchOption.AllDirectories));
    }

    private static RackPacket Frame(int source, int step, DateTimeOffset now) => LongRunTests.Rows(source, step, Registers, now);

    private static int ParquetOpen(CollectorServer server) =>
        (int)Instruments.Read(server, "pqflow_collector_parquet_partitions_open");

    /// <summary>
    /// The file system's clock does not follow the fake one: files written in this simulated step get its time as their
    /// last write, as they would have in a month of real time; a finished file keeps the time it was finished at.
    /// </summary>
    private void StampWrites(DateTimeOffset now)
    {
        string[] raw = [.. RawLogReader.Files(Path.Combine(_directory, "raw"))];
        for (int i = 0; i < raw.Length; i++)
        {
            Stamp(raw[i], now, finished: i < raw.Length - 1);
        }

        foreach (string file in Directory.EnumerateFiles(Path.Combine(_directory, "parquet"), "*.parquet", SearchOption.AllDirectories))
        {
            Stamp(file, now, finished: true);
        }
    }

    private void Stamp(string file, DateTimeOffset now, bool finished)
    {
        if (_finished.Contains(file))
        {
            return;
        }

        File.SetLastWriteTimeUtc(file, now.UtcDateTime);
        if (finished)
        {
            _finished.Add(file);
        }
    }

    private long DiskBytes() => Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
