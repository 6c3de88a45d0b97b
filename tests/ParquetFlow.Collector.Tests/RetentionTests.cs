using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Retention;
using ParquetFlow.Collector.Server;
using ParquetFlow.Durability.Faults;
using static ParquetFlow.Collector.Tests.CollectorServerTests;

namespace ParquetFlow.Collector.Tests;

public sealed class RetentionTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-retention-").FullName;

    private string Make(string relative, int bytes, DateTimeOffset written)
    {
        string path = Path.Combine(_directory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[bytes]);
        File.SetLastWriteTimeUtc(path, written.UtcDateTime);
        return path;
    }

    private string[] Left() =>
        [.. Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_directory, f)).Order(StringComparer.Ordinal)];

    [Fact]
    public void Files_past_the_maximum_age_go_but_never_the_image_the_log_being_written_or_a_file_in_progress()
    {
        Make("image.bin", 100, s_now.AddDays(-30));
        Make("raw/log-000001.bin", 100, s_now.AddDays(-30));
        Make("raw/log-000002.bin", 100, s_now.AddDays(-2));
        Make("raw/log-000003.bin", 100, s_now.AddDays(-20)); // the highest number: the writer's file, however old
        Make("parquet/source=RACK-1/date=2026-11-01/part-000000-a.parquet", 100, s_now.AddDays(-30));
        Make("parquet/source=RACK-2/date=2026-11-01/part-000000-b.parquet", 100, s_now.AddDays(-30));
        Make("parquet/source=RACK-2/date=2026-12-03/part-000000-c.parquet", 100, s_now.AddHours(-1));
        Make("parquet/source=RACK-2/date=2026-11-01/part-000001-d.parquet.inprogress", 100, s_now.AddDays(-30));

        var retention = new DataRetention(_directory, new RetentionOptions { MaxAge = TimeSpan.FromDays(7) }, clock: new FakeTimeProvider(s_now));
        RetentionResult result = retention.Apply();

        Assert.Equal(new RetentionResult(FilesByAge: 3, FilesForSpace: 0, Bytes: 300, WatermarkMet: true), result);
        Assert.Equal(
            [
                "image.bin",
                Path.Combine("parquet", "source=RACK-2", "date=2026-11-01", "part-000001-d.parquet.inprogress"),
                Path.Combine("parquet", "source=RACK-2", "date=2026-12-03", "part-000000-c.parquet"),
                Path.Combine("raw", "log-000002.bin"),
                Path.Combine("raw", "log-000003.bin"),
            ],
            Left());
        Assert.False(Directory.Exists(Path.Combine(_directory, "parquet", "source=RACK-1")), "an emptied partition stays behind");
        Assert.Equal(3, retention.FilesDeleted);
    }

    [Fact]
    public void Below_the_free_space_watermark_the_oldest_files_go_until_it_is_met()
    {
        const int Size = 1 << 20;
        for (int i = 1; i <= 6; i++)
        {
            Make($"raw/log-{i:D6}.bin", Size, s_now.AddHours(-10 + i));
            Make($"parquet/source=RACK-1/date=2026-12-03/part-{i:D6}-x.parquet", Size, s_now.AddHours(-10 + i).AddMinutes(30));
        }

        // A disk with 1 MiB free while the 12 files are there, and whatever they free when deleted.
        long DiskFree(string _) => (13L * Size) - Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        var storage = new FaultyStorage { Available = DiskFree };
        var retention = new DataRetention(_directory, new RetentionOptions { MinFreeBytes = 4L * Size }, storage, new FakeTimeProvider(s_now));

        RetentionResult result = retention.Apply();

        Assert.Equal(new RetentionResult(FilesByAge: 0, FilesForSpace: 3, Bytes: 3L * Size, WatermarkMet: true), result);
        Assert.DoesNotContain(Path.Combine("raw", "log-000001.bin"), Left());
        Assert.DoesNotContain(Path.Combine("parquet", "source=RACK-1", "date=2026-12-03", "part-000001-x.parquet"), Left());
        Assert.DoesNotContain(Path.Combine("raw", "log-000002.bin"), Left());
        Assert.Contains(Path.Combine("parquet", "source=RACK-1", "date=2026-12-03", "part-000002-x.parquet"), Left());

        // A watermark no deletion can reach: everything that may go goes, the writer's log stays, and it says so.
        var greedy = new DataRetention(_directory, new RetentionOptions { MinFreeBytes = 100L * Size }, storage, new FakeTimeProvider(s_now));
        Assert.False(greedy.Apply().WatermarkMet);
        Assert.Equal([Path.Combine("raw", "log-000006.bin")], Left());
    }

    [Fact]
    public async Task A_running_collector_deletes_old_raw_log_and_parquet_files_as_its_clock_moves_on()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        CollectorServer server = CollectorServer.Start(new CollectorOptions
        {
            DataDirectory = _directory,
            Listeners = [new ListenerOptions(0, FramingKind.Packet)],
            FlushInterval = TimeSpan.FromMilliseconds(50),
            RawLogRotateBytes = 2048,
            MaxTimestampAge = TimeSpan.MaxValue,
            PartitionIdleTimeout = TimeSpan.FromHours(1),
            Retention = new RetentionOptions { MaxAge = TimeSpan.FromDays(1), Interval = TimeSpan.FromMinutes(1) },
            TimeProvider = clock,
        });
        await using (server)
        {
            using (var client = new TcpClient())
            {
                await client.ConnectAsync(server.EndPoints[0]);
                for (int i = 0; i < 200; i++)
                {
                    await client.GetStream().WriteAsync(Encode(Diff(1, i & 0xFF, 10, (ushort)i), packetFraming: true));
                }

                await QueryAsync(client.GetStream(), 1, 10);
            }

            string raw = Path.Combine(_directory, "raw");
            int logs = RawLogReader.Files(raw).Count();
            Assert.True(logs > 3, $"expected the small rotation to make several raw-log files, got {logs}");

            // Two days on: the partition is idle (its file completes), and then every finished file is past the day.
            clock.Advance(TimeSpan.FromDays(2));
            await WaitUntil(() => RawLogReader.Files(raw).Count() == 1 && Instruments.Read(server, "pqflow_collector_retention_deleted_files_total") == logs);
            Assert.True(Instruments.Read(server, "pqflow_collector_disk_free_bytes") > 0);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
