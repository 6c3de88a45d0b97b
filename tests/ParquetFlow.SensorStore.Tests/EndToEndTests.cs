using System.Diagnostics;
using System.Globalization;
using ParquetFlow.SensorStore;
using ParquetFlow.SensorStore.TestProcess;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>Gateway process + Mosquitto + subscriber; the gateway is killed and the broker restarted mid-run.</summary>
public sealed class EndToEndTests(ITestOutputHelper output)
{
    private sealed class Run
    {
        public ulong?[] Start { get; } = new ulong?[GatewayLoop.SensorCount];
        public ulong?[] Durable { get; } = new ulong?[GatewayLoop.SensorCount];
        public ulong?[] Pending { get; } = new ulong?[GatewayLoop.SensorCount];
        public int Epochs;
        public bool WroteAll;

        public void Read(Process p, Func<Run, bool> until)
        {
            string? line;
            while (!until(this) && (line = p.StandardOutput.ReadLine()) is not null)
            {
                string[] f = line.Split(' ');
                switch (f[0])
                {
                    case "S":
                        Start[int.Parse(f[1], CultureInfo.InvariantCulture)] = ulong.Parse(f[2], CultureInfo.InvariantCulture);
                        break;
                    case "D":
                        Pending[int.Parse(f[1], CultureInfo.InvariantCulture)] = ulong.Parse(f[2], CultureInfo.InvariantCulture);
                        break;
                    case "E":
                        Array.Copy(Pending, Durable, Durable.Length);
                        Epochs++;
                        break;
                    case "W":
                        WroteAll = true;
                        break;
                }

                // After W the gateway only uploads: a durable point it has not reached by then never comes.
                Assert.False(WroteAll && !until(this), "the gateway wrote all its records without reaching the awaited durable point");
            }

            if (!until(this))
            {
                Assert.Fail("the gateway exited before the awaited point: " + p.StandardError.ReadToEnd());
            }
        }
    }

    [Fact]
    public async Task Subscriber_ends_with_every_durable_record_after_a_gateway_kill_and_broker_restarts()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var broker = new MosquittoBroker();
        broker.Start();
        using var sub = new RecordingSubscriber(broker.Port);
        await sub.StartAsync();
        using var dir = new TempDirectory();
        var runs = new List<Run>();
        string port = broker.Port.ToString(CultureInfo.InvariantCulture);

        // Run 1: killed with SIGKILL after a few durable points.
        var first = new Run();
        using (Process gw = ChildProcess.Start("gateway", dir.Path, port, random.Next().ToString(CultureInfo.InvariantCulture), "100000"))
        {
            int stopAt = random.Next(3, 12);
            first.Read(gw, r => r.Epochs >= stopAt);
            broker.Stop(); // broker restarts while the gateway runs
            first.Read(gw, r => r.Epochs >= stopAt + 3);
            broker.Start();
            first.Read(gw, r => r.Epochs >= stopAt + 6);
            gw.Kill();
            gw.WaitForExit();
        }
        runs.Add(first);

        // Run 2: recovers with the broker down, then writes its share and uploads everything.
        broker.Stop();
        var second = new Run();
        using (Process gw = ChildProcess.Start("gateway", dir.Path, port, random.Next().ToString(CultureInfo.InvariantCulture), "2000"))
        {
            second.Read(gw, r => r.Epochs >= 3);
            broker.Start();
            second.Read(gw, r => r.WroteAll);
            runs.Add(second);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (Missing(runs, sub) is { } missing)
            {
                Assert.True(DateTime.UtcNow < deadline, $"seed {seed}: {missing}");
                Assert.False(gw.HasExited, gw.HasExited ? gw.StandardError.ReadToEnd() : "");
                await Task.Delay(50);
            }
            gw.Kill();
            gw.WaitForExit();
        }
        Assert.Empty(sub.Errors);
        for (int i = 0; i < GatewayLoop.SensorCount; i++)
        {
            var (source, id, _) = GatewayLoop.Describe(i);
            foreach (var (index, value) in sub.Received(source, id))
            {
                Assert.Equal(GatewayLoop.ValueOf(i, index), value);
            }
        }
    }

    private static string? Missing(List<Run> runs, RecordingSubscriber sub)
    {
        for (int i = 0; i < GatewayLoop.SensorCount; i++)
        {
            var (source, id, _) = GatewayLoop.Describe(i);
            var got = sub.Received(source, id);
            foreach (Run run in runs)
            {
                if (run.Start[i] is not { } from || run.Durable[i] is not { } to)
                {
                    continue;
                }
                for (ulong index = from; index < to; index++)
                {
                    if (!got.ContainsKey(index))
                    {
                        return $"sensor {i} has not received durable record {index} of {from}..{to} (has {got.Count})";
                    }
                }
            }
        }
        return null;
    }
}
