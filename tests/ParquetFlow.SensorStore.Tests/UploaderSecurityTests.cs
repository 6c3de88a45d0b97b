using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ParquetFlow.SensorStore;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>The uploader over TLS with a password against a real Mosquitto (scripts/mosquitto.sh start-tls), and what it refuses.</summary>
public sealed class UploaderSecurityTests
{
    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout, Func<string> what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, "timed out waiting for " + what());
            await Task.Delay(20);
        }
    }

    /// <summary>A TLS broker with a password file: its directory (certificates under tls/) and port.</summary>
    private sealed class TlsBroker : IDisposable
    {
        private readonly TempDirectory _dir = new();

        public TlsBroker()
        {
            var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(Path.Combine(MosquittoBroker.RepositoryRoot, "scripts", "mosquitto.sh"));
            info.ArgumentList.Add("start-tls");
            info.ArgumentList.Add(_dir.Path);
            using Process p = Process.Start(info)!;
            string stdout = p.StandardOutput.ReadToEnd();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, "mosquitto.sh start-tls: " + stderr);
            Port = int.Parse(stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }

        public int Port { get; }

        public string File(string name) => Path.Combine(_dir.Path, "tls", name);

        public void Dispose()
        {
            using (Process p = Process.Start("bash", [Path.Combine(MosquittoBroker.RepositoryRoot, "scripts", "mosquitto.sh"), "stop", _dir.Path]))
            {
                p.WaitForExit();
            }

            _dir.Dispose();
        }
    }

    private static (SensorStoreSystem Store, SensorLog Sensor) StoreWith(string dir, int records)
    {
        SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Linux(dir) with { RamPoolBytes = 1 << 20, MaxSensors = 4 });
        Assert.Equal(StoreResult.Ok, store.InitSensor(SensorSource.Host, 1, SensorType.TimeSeries, out SensorLog? sensor));
        for (int i = 0; i < records; i++)
        {
            Assert.Equal(StoreResult.Ok, sensor!.AddTimeSeries((uint)i));
        }

        return (store, sensor!);
    }

    [Fact]
    public async Task Over_TLS_with_a_password_every_record_arrives_and_is_erased()
    {
        using var broker = new TlsBroker();
        using var sub = new RecordingSubscriber(broker.Port, broker.File("ca.pem"));
        await sub.StartAsync();
        using var dir = new TempDirectory();
        var (store, sensor) = StoreWith(dir.Path, 1000);
        using (store)
        {
            using var uploader = new MqttUploader(store, new UploaderOptions
            {
                Port = broker.Port,
                GatewayId = "gw-tls",
                BatchRecords = 100,
                CaFile = broker.File("ca.pem"),
                ClientCertificateFile = broker.File("client.pem"),
                ClientKeyFile = broker.File("client.key"),
                Username = "gateway",
                Password = "secret",
            });
            using var cts = new CancellationTokenSource();
            Task run = uploader.RunAsync(cts.Token);
            await WaitUntil(() => sensor.TotalRecords == 0, TimeSpan.FromSeconds(60), () => uploader.Stats.ToString());
            await WaitUntil(() => sub.Received(SensorSource.Host, 1).Count == 1000, TimeSpan.FromSeconds(30), () => "subscriber");
            cts.Cancel();
            await run;
        }
    }

    [Theory]
    [InlineData("other-ca.pem", "secret", "certificate")] // a broker this gateway was not told to trust
    [InlineData("ca.pem", "wrong", "refused the connection")] // the right broker, a wrong password
    public async Task A_broker_that_cannot_prove_itself_or_refuses_the_login_gets_no_data_and_causes_no_erasure(string ca, string password, string reason)
    {
        using var broker = new TlsBroker();
        using var sub = new RecordingSubscriber(broker.Port, broker.File("ca.pem"));
        await sub.StartAsync();
        using var dir = new TempDirectory();
        var (store, sensor) = StoreWith(dir.Path, 500);
        using (store)
        {
            using var uploader = new MqttUploader(store, new UploaderOptions
            {
                Port = broker.Port,
                GatewayId = "gw-refused",
                CaFile = broker.File(ca),
                Username = "gateway",
                Password = password,
                MinBackoff = TimeSpan.FromMilliseconds(20),
                MaxBackoff = TimeSpan.FromMilliseconds(100),
            });
            using var cts = new CancellationTokenSource();
            Task run = uploader.RunAsync(cts.Token);
            await WaitUntil(() => uploader.Stats.PublishFailures >= 3, TimeSpan.FromSeconds(30), () => uploader.Stats.ToString());
            cts.Cancel();
            await run;
            Assert.Equal(500, sensor.TotalRecords);
            Assert.Equal(0, uploader.Stats.RecordsAcknowledged);
            Assert.Empty(sub.Received(SensorSource.Host, 1));
            Assert.NotNull(uploader.Stats.LastError);
            Assert.Contains(reason, uploader.Stats.LastError, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task A_broker_certificate_that_does_not_chain_to_the_ca_is_logged_as_an_error_naming_the_ca()
    {
        using var broker = new TlsBroker();
        using var dir = new TempDirectory();
        var (store, _) = StoreWith(dir.Path, 10);
        var logger = new ListLogger();
        using (store)
        {
            using var uploader = new MqttUploader(store, new UploaderOptions
            {
                Port = broker.Port,
                GatewayId = "gw-badca",
                CaFile = broker.File("other-ca.pem"),
                Username = "gateway",
                Password = "secret",
                MinBackoff = TimeSpan.FromMilliseconds(20),
                MaxBackoff = TimeSpan.FromMilliseconds(100),
                Logger = logger,
            });
            using var cts = new CancellationTokenSource();
            Task run = uploader.RunAsync(cts.Token);
            await WaitUntil(() => uploader.Stats.PublishFailures >= 2, TimeSpan.FromSeconds(30), () => uploader.Stats.ToString());
            cts.Cancel();
            await run;
        }

        IReadOnlyList<LogEntry> refused = logger.Matching(LogLevel.Error, "TLS: the certificate of broker 127.0.0.1 (", $"is refused: it does not chain to {broker.File("other-ca.pem")} (");
        Assert.True(refused.Count >= 2, logger.ToString());
        Assert.Empty(logger.Matching(LogLevel.Information, "uploader connected"));
    }

    [Fact]
    public void Plaintext_to_a_host_that_is_not_loopback_is_refused_unless_allowed()
    {
        using var dir = new TempDirectory();
        var (store, _) = StoreWith(dir.Path, 0);
        using (store)
        {
            var e = Assert.Throws<ArgumentException>(() => new MqttUploader(store, new UploaderOptions { Host = "192.0.2.10", GatewayId = "gw" }));
            Assert.Contains("plaintext MQTT to 192.0.2.10 is refused", e.Message);
            using var allowed = new MqttUploader(store, new UploaderOptions { Host = "192.0.2.10", GatewayId = "gw", AllowPlaintext = true });
            using var tls = new MqttUploader(store, new UploaderOptions { Host = "192.0.2.10", GatewayId = "gw", Tls = true });
            using var loopback = new MqttUploader(store, new UploaderOptions { Host = "localhost", GatewayId = "gw" });
            Assert.Throws<ArgumentException>(() => new MqttUploader(store, new UploaderOptions { GatewayId = "gw", Password = "x" }));
        }
    }

    [Fact]
    public async Task Over_MQTT_3_1_1_a_puback_erases_and_every_record_arrives()
    {
        using var broker = new MosquittoBroker();
        broker.Start();
        using var sub = new RecordingSubscriber(broker.Port);
        await sub.StartAsync();
        using var dir = new TempDirectory();
        var (store, sensor) = StoreWith(dir.Path, 700);
        using (store)
        {
            using var uploader = new MqttUploader(store, new UploaderOptions { Port = broker.Port, GatewayId = "gw-311", Protocol = MqttProtocol.V311, BatchRecords = 128 });
            using var cts = new CancellationTokenSource();
            Task run = uploader.RunAsync(cts.Token);
            await WaitUntil(() => sensor.TotalRecords == 0, TimeSpan.FromSeconds(60), () => uploader.Stats.ToString());
            await WaitUntil(() => sub.Received(SensorSource.Host, 1).Count == 700, TimeSpan.FromSeconds(30), () => "subscriber");
            cts.Cancel();
            await run;
        }
    }
}
