using Microsoft.Extensions.Logging;
using ParquetFlow.SensorStore;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>The uploader against a real Mosquitto and a real subscriber.</summary>
public sealed class UploaderTests
{
    private static uint ValueOf(SensorSource source, uint id, ulong index) => (uint)((index * 2654435761UL) ^ ((ulong)source << 28) ^ id);

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what());
            await Task.Delay(20);
        }
    }

    private static (SensorStoreSystem Store, SensorLog[] Sensors) OpenStore(string dir)
    {
        SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Linux(dir) with { RamPoolBytes = 1 << 20, MaxSensors = 16 });
        var sensors = new SensorLog[6];
        for (int i = 0; i < sensors.Length; i++)
        {
            Assert.Equal(StoreResult.Ok, store.InitSensor((SensorSource)(i % 3), (uint)(i / 3) + 100, i % 2 == 0 ? SensorType.TimeSeries : SensorType.Event, out SensorLog? s));
            sensors[i] = s!;
        }
        return (store, sensors);
    }

    private static void Write(SensorLog s, ulong count)
    {
        for (ulong k = 0; k < count; k++)
        {
            ulong index = s.GetStats().TailIndex;
            uint v = ValueOf(s.Source, s.SensorId, index);
            Assert.Equal(StoreResult.Ok, s.Type == SensorType.Event ? s.AddEvent(v, index) : s.AddTimeSeries(v));
        }
    }

    private static void AssertComplete(RecordingSubscriber sub, SensorLog[] sensors, ulong perSensor)
    {
        Assert.Empty(sub.Errors);
        foreach (SensorLog s in sensors)
        {
            var got = sub.Received(s.Source, s.SensorId);
            Assert.Equal((int)perSensor, got.Count);
            for (ulong i = 0; i < perSensor; i++)
            {
                Assert.True(got.TryGetValue(i, out uint v), $"{s.Source}/{s.SensorId}: record {i} missing");
                Assert.Equal(ValueOf(s.Source, s.SensorId, i), v);
            }
        }
    }

    [Fact]
    public async Task Every_record_arrives_in_order_and_is_erased_only_after_the_puback()
    {
        using var broker = new MosquittoBroker();
        broker.Start();
        using var sub = new RecordingSubscriber(broker.Port);
        await sub.StartAsync();
        using var dir = new TempDirectory();
        var (store, sensors) = OpenStore(dir.Path);
        using (store)
        {
            using var uploader = new MqttUploader(store, new UploaderOptions { Port = broker.Port, GatewayId = "gw1", BatchRecords = 300 });
            using var cts = new CancellationTokenSource();
            Task run = uploader.RunAsync(cts.Token);
            var writers = new[] { 0, 1 }.Select(w => Task.Run(() =>
            {
                for (int round = 0; round < 10; round++)
                {
                    for (int i = w; i < sensors.Length; i += 2)
                    {
                        Write(sensors[i], 200);
                    }
                }
            })).ToArray();
            await Task.WhenAll(writers);
            await WaitUntil(() => sensors.All(s => s.TotalRecords == 0), TimeSpan.FromSeconds(60), () => uploader.Stats.ToString());
            await WaitUntil(() => sensors.All(s => sub.Received(s.Source, s.SensorId).Count == 2000), TimeSpan.FromSeconds(30), () => "subscriber");
            cts.Cancel();
            await run;
            AssertComplete(sub, sensors, 2000);
            Assert.True(uploader.Stats.BatchesAcknowledged >= 6 * 2000 / 300);
            Assert.Equal(6 * 2000, uploader.Stats.RecordsAcknowledged);
        }
    }

    [Fact]
    public async Task A_puback_saying_no_subscriber_got_it_erases_nothing_and_the_batches_are_retried_with_backoff()
    {
        using var broker = new MosquittoBroker();
        broker.Start();
        using var dir = new TempDirectory();
        var (store, sensors) = OpenStore(dir.Path);
        using (store)
        {
            foreach (SensorLog s in sensors)
            {
                Write(s, 300);
            }

            using var uploader = new MqttUploader(store, new UploaderOptions
            {
                Port = broker.Port,
                GatewayId = "gw-nosub",
                BatchRecords = 100,
                MinBackoff = TimeSpan.FromMilliseconds(200),
                MaxBackoff = TimeSpan.FromMilliseconds(400),
            });
            using var cts = new CancellationTokenSource();
            Task run = uploader.RunAsync(cts.Token);

            // Nobody subscribes: the broker answers PUBACK 0x10 and drops the message, which MQTTnet calls a success.
            const string NoSubscribers = "0x10 NoMatchingSubscribers";
            await WaitUntil(() => uploader.Stats.Refusals.GetValueOrDefault(NoSubscribers) >= 3, TimeSpan.FromSeconds(30), () => uploader.Stats.ToString());
            Assert.All(sensors, s => Assert.Equal(300, s.TotalRecords));
            Assert.Equal(0, uploader.Stats.RecordsAcknowledged);

            // Backed off, not a busy loop: at most one refused attempt per 200 ms (thousands a second before).
            long before = uploader.Stats.Refusals[NoSubscribers];
            await Task.Delay(1000);
            Assert.InRange(uploader.Stats.Refusals[NoSubscribers] - before, 0, 10);

            // A subscriber comes: every record arrives, and only then is it erased.
            using var sub = new RecordingSubscriber(broker.Port);
            await sub.StartAsync();
            await WaitUntil(() => sensors.All(s => s.TotalRecords == 0), TimeSpan.FromSeconds(60), () => uploader.Stats.ToString());
            await WaitUntil(() => sensors.All(s => sub.Received(s.Source, s.SensorId).Count == 300), TimeSpan.FromSeconds(30), () => "subscriber");
            cts.Cancel();
            await run;
            AssertComplete(sub, sensors, 300);
        }
    }

    [Fact]
    public async Task A_refused_puback_is_logged_as_a_warning_with_the_batch_and_its_reason_code_and_the_connection_as_information()
    {
        using var broker = new MosquittoBroker();
        broker.Start();
        using var dir = new TempDirectory();
        var (store, sensors) = OpenStore(dir.Path);
        var logger = new ListLogger();
        using (store)
        {
            Write(sensors[0], 100);
            using var uploader = new MqttUploader(store, new UploaderOptions
            {
                Port = broker.Port,
                GatewayId = "gw-log",
                BatchRecords = 100,
                MinBackoff = TimeSpan.FromMilliseconds(50),
                MaxBackoff = TimeSpan.FromMilliseconds(100),
                Logger = logger,
            });
            using var cts = new CancellationTokenSource();
            Task run = uploader.RunAsync(cts.Token);

            // Nobody subscribes: the broker answers PUBACK 0x10.
            await WaitUntil(() => uploader.Stats.Refusals.GetValueOrDefault("0x10 NoMatchingSubscribers") >= 2, TimeSpan.FromSeconds(30), () => uploader.Stats.ToString());
            cts.Cancel();
            await run;
        }

        SensorLog first = sensors[0];
        string key = $"gw-log/host/{first.SensorId}/0";
        string topic = UploadPayload.Topic("pqflow", "gw-log", first.Source, first.SensorId);
        IReadOnlyList<LogEntry> refused = logger.Matching(LogLevel.Warning, "the broker refused batch");
        Assert.True(refused.Count >= 2, logger.ToString());
        Assert.All(refused, e => Assert.Equal($"the broker refused batch {key} (100 records) on {topic}: PUBACK reason 0x10 NoMatchingSubscribers; kept and sent again", e.Message));
        Assert.Single(logger.Matching(LogLevel.Information, $"uploader connected to 127.0.0.1:{broker.Port} (V500, plaintext; connection 1)"));
        Assert.Single(logger.Matching(LogLevel.Information, $"uploader disconnected from 127.0.0.1:{broker.Port}"));
    }

    [Fact]
    public async Task Broker_down_erases_nothing_and_a_restart_delivers_everything()
    {
        using var broker = new MosquittoBroker();
        broker.Start();
        using var sub = new RecordingSubscriber(broker.Port);
        await sub.StartAsync();
        broker.Stop(); // the subscriber's session is saved by the broker
        using var dir = new TempDirectory();
        var (store, sensors) = OpenStore(dir.Path);
        using (store)
        {
            foreach (SensorLog s in sensors)
            {
                Write(s, 500);
            }
            using var uploader = new MqttUploader(store, new UploaderOptions
            {
                Port = broker.Port,
                GatewayId = "gw2",
                BatchRecords = 128,
                MinBackoff = TimeSpan.FromMilliseconds(20),
                MaxBackoff = TimeSpan.FromMilliseconds(200),
            });
            using var cts = new CancellationTokenSource();
            Task run = uploader.RunAsync(cts.Token);
            await WaitUntil(() => uploader.Stats.PublishFailures >= 3, TimeSpan.FromSeconds(30), () => "failed attempts");
            Assert.All(sensors, s => Assert.Equal(500, s.TotalRecords)); // nothing erased without an acknowledgement

            broker.Start();
            await WaitUntil(() => uploader.Stats.RecordsAcknowledged >= 1000, TimeSpan.FromSeconds(30), () => uploader.Stats.ToString());
            broker.Stop(); // mid-run
            foreach (SensorLog s in sensors)
            {
                Write(s, 500);
            }
            broker.Start();
            await WaitUntil(() => sensors.All(s => s.TotalRecords == 0), TimeSpan.FromSeconds(60), () => uploader.Stats.ToString());
            await WaitUntil(() => sensors.All(s => sub.Received(s.Source, s.SensorId).Count == 1000), TimeSpan.FromSeconds(30),
                () => string.Join(",", sensors.Select(s => sub.Received(s.Source, s.SensorId).Count)));
            cts.Cancel();
            await run;
            AssertComplete(sub, sensors, 1000);
            Assert.True(uploader.Stats.Reconnects >= 2);
        }
    }

    [Fact]
    public void Payload_round_trips_and_rejects_damage()
    {
        var records = new byte[24];
        BitConverter.TryWriteBytes(records.AsSpan(0), 7u);
        BitConverter.TryWriteBytes(records.AsSpan(4), 99UL);
        BitConverter.TryWriteBytes(records.AsSpan(12), 8u);
        BitConverter.TryWriteBytes(records.AsSpan(16), 100UL);
        var p = new UploadPayload { GatewayId = "gw", Source = SensorSource.Can, Type = SensorType.Event, SensorId = 5, FirstIndex = 1UL << 41, Count = 2, Records = records };
        byte[] body = p.Encode();
        UploadPayload q = UploadPayload.Decode(body);
        Assert.Equal(("gw", SensorSource.Can, SensorType.Event, 5u, 1UL << 41, 2), (q.GatewayId, q.Source, q.Type, q.SensorId, q.FirstIndex, q.Count));
        Assert.Equal((8u, 100UL), (q.ValueAt(1), q.TimestampAt(1)));
        Assert.Equal("gw/can/5/2199023255552", q.IdempotencyKey);
        Assert.Equal("pqflow/gw/can/0000000005", UploadPayload.Topic("pqflow", "gw", SensorSource.Can, 5));
        body[^1] ^= 1;
        Assert.Throws<FormatException>(() => UploadPayload.Decode(body));
        Assert.Throws<FormatException>(() => UploadPayload.Decode(body.AsSpan(0, 20)));
    }
}
