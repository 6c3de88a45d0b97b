using System.Diagnostics;
using System.Globalization;
using ParquetFlow.Ipc.TestProcess;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Ipc.Tests;

/// <summary>A real writer process is SIGKILLed at random points; whatever it was told is durable must read back intact.</summary>
public sealed class MappedRingKillTests : IDisposable
{
    private const int SlotCount = 16;
    private const int SlotSize = 200;

    private readonly TempDirectory _dir = new();
    private readonly ITestOutputHelper _output;

    public MappedRingKillTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(0)]
    public void Every_write_reported_durable_survives_kill_9_and_restart(int flushInterval)
    {
        int seed = Random.Shared.Next();
        _output.WriteLine($"seed {seed}, flush interval {flushInterval}");
        var random = new Random(seed);
        string path = _dir.File("kill.ring");
        ulong verifiedUpTo = 0;
        var buffer = new byte[SlotSize];

        for (int round = 0; round < TestScale.Count(5, minimum: 2); round++)
        {
            ulong durable = RunAndKill(path, seed, flushInterval, killAfterReports: random.Next(1, 60));

            // The restart: open the file the killed writer left and read everything it holds.
            using MappedRing ring = MappedRing.Open(path, FlushPolicy.EveryWrite);
            MappedRingStats stats = ring.GetStats();
            _output.WriteLine($"round {round}: durable {durable}, file has writes {stats.TotalWrites} reads {stats.TotalReads}");
            Assert.True(stats.TotalWrites >= durable, $"writer was told {durable} writes are durable, the file holds {stats.TotalWrites}");
            Assert.True(stats.TotalReads >= verifiedUpTo);
            for (ulong s = stats.TotalReads + 1; s <= stats.TotalWrites; s++)
            {
                MappedRingStatus status = ring.Read(buffer, out int length);
                Assert.True(status == MappedRingStatus.Ok, $"write {s} reads back as {status}");
                Assert.Equal(TestPayload.For(seed, s, SlotSize), buffer[..length]);
            }

            verifiedUpTo = stats.TotalWrites;
        }
    }

    private static ulong RunAndKill(string path, int seed, int flushInterval, int killAfterReports)
    {
        using Process writer = ToolPaths.StartDotnet(
            ToolPaths.TestProcessDll,
            "mapped-writer",
            path,
            seed.ToString(CultureInfo.InvariantCulture),
            SlotCount.ToString(CultureInfo.InvariantCulture),
            SlotSize.ToString(CultureInfo.InvariantCulture),
            flushInterval.ToString(CultureInfo.InvariantCulture));
        ulong durable = 0;
        try
        {
            for (int reports = 0; reports <= killAfterReports;)
            {
                string? line = writer.StandardOutput.ReadLine();
                if (line is null)
                {
                    Assert.Fail("writer exited early: " + writer.StandardError.ReadToEnd());
                }

                Assert.StartsWith("durable ", line, StringComparison.Ordinal);
                durable = ulong.Parse(line.AsSpan(8), CultureInfo.InvariantCulture);
                reports++;
            }
        }
        finally
        {
            writer.Kill(); // SIGKILL: no flush, no dispose, mid-write wherever it is
            writer.WaitForExit();
        }

        return durable;
    }
}
