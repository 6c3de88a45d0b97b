using System.Buffers;
using System.Diagnostics;
using System.Net;
using MQTTnet;
using MQTTnet.Protocol;
using ParquetFlow.SensorStore;

namespace ParquetFlow.Bench;

/// <summary>What <see cref="UploadFleet"/> runs: how many gateways, what they hold, and the brokers they upload to.</summary>
public sealed record FleetOptions
{
    /// <summary>The brokers (nodes of one cluster, or one broker): gateway g connects to node g mod n first and keeps the others as failover.</summary>
    public required IReadOnlyList<DnsEndPoint> Brokers { get; init; }

    /// <summary>Where the verifying subscriber connects (another node than most gateways', to prove the cluster carries the data).</summary>
    public required DnsEndPoint SubscriberBroker { get; init; }

    /// <summary>Scratch directory: one store directory per gateway.</summary>
    public required string Directory { get; init; }

    public int Gateways { get; init; } = 50;

    /// <summary>Sensors per gateway, alternately time-series (host/N) and event (can/N) sensors.</summary>
    public int SensorsPerGateway { get; init; } = 4;

    public int RecordsPerSensor { get; init; } = 2_000;

    public int BatchRecords { get; init; } = 200;

    public MqttProtocol Protocol { get; init; } = MqttProtocol.V311;

    /// <summary>PEM CA of the brokers' certificates (TLS on), and the login, for gateways and subscriber alike.</summary>
    public string? CaFile { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>How long one publish waits for its PUBACK before the uploader retries (short: a node killed mid-run stalls the publishes it had).</summary>
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The run fails when not every record is acknowledged and received by then.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(3);
}

/// <summary>What a fleet run delivered: every count the verifying subscriber and the uploaders saw.</summary>
public sealed record FleetResult
{
    /// <summary>Records the gateways stored (gateways × sensors × records).</summary>
    public long Expected { get; init; }

    /// <summary>Distinct records the subscriber received, each checked against the value its gateway stored.</summary>
    public long Received { get; init; }

    /// <summary>Records received more than once (a batch re-sent after its PUBACK was lost with a node): allowed, counted.</summary>
    public long Duplicates { get; init; }

    /// <summary>Records the gateways still hold unacknowledged at the end.</summary>
    public long Unacknowledged { get; init; }

    /// <summary>Records the gateways homed on the first broker still held unacknowledged when the disruption began (0 without one).</summary>
    public long UnacknowledgedAtDisruption { get; init; }

    /// <summary>Records the uploaders saw acknowledged.</summary>
    public long Acknowledged { get; init; }

    public long PublishFailures { get; init; }

    public long Connects { get; init; }

    /// <summary>From the first upload until every record was acknowledged and received.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Wrong values, records out of order per sensor, undecodable messages; empty when all is well.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    public long Missing => Expected - Received;

    public double RecordsPerSecond => Acknowledged / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>Null when every record of every gateway arrived, in order per sensor, with the value stored, and every gateway erased it; else why not.</summary>
    public string? Failure =>
        Errors.Count > 0 ? $"{Errors.Count} errors, the first: {Errors[0]}"
        : Missing > 0 ? $"{Missing:N0} of {Expected:N0} records never reached the subscriber"
        : Unacknowledged > 0 ? $"{Unacknowledged:N0} records are still unacknowledged in the gateways' stores"
        : null;
}

/// <summary>
/// A fleet of simulated gateways uploading at once, verified end to end: each gateway is a real
/// <see cref="SensorStoreSystem"/> (its own directory and gateway id) filled with records whose values are a function of
/// (gateway, sensor, index), and a real <see cref="MqttUploader"/>; a real MQTT subscriber with a persistent QoS 1 session
/// checks every record it receives — value, and order per sensor (a batch either continues where the sensor's previous
/// one ended or repeats one already received) — and the run ends once every gateway has had every record acknowledged
/// and the subscriber holds them all. <c>disrupt</c> runs once the gateways homed on the first broker have had a share of
/// their records acknowledged (that broker killed and brought back: they are then that far into their upload, not done): the fleet must deliver everything anyway. Used by the NATS-cluster fleet test and
/// <c>pqflow bench store --what upload</c>.
/// </summary>
public static class UploadFleet
{
    public static async Task<FleetResult> RunAsync(FleetOptions options, (double Share, Func<CancellationToken, Task> Action)? disrupt, CancellationToken token)
    {
        var gateways = new List<(SensorStoreSystem Store, MqttUploader Uploader)>();
        long expected = (long)options.Gateways * options.SensorsPerGateway * options.RecordsPerSensor;
        using var subscriber = new FleetSubscriber(options);
        try
        {
            var first = new Dictionary<(string, SensorSource, uint), ulong>();
            for (int g = 0; g < options.Gateways; g++)
            {
                string id = GatewayName(g);
                SensorStoreSystem store = Fill(Path.Combine(options.Directory, id), g, options, first);
                gateways.Add((store, new MqttUploader(store, UploaderOptionsFor(g, options))));
            }

            subscriber.Expect(first);
            await subscriber.StartAsync(token).ConfigureAwait(false);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
            var clock = Stopwatch.StartNew();
            Task[] uploads = [.. gateways.Select(gw => gw.Uploader.RunAsync(stop.Token))];
            Task disruption = Task.CompletedTask;
            bool disrupted = disrupt is null;
            List<(SensorStoreSystem Store, MqttUploader Uploader)> firstBrokerGateways = [.. gateways.Where((_, g) => g % options.Brokers.Count == 0)];
            long expectedOnFirst = (long)firstBrokerGateways.Count * options.SensorsPerGateway * options.RecordsPerSensor;
            long unacknowledgedAtDisruption = 0;
            while (clock.Elapsed < options.Deadline)
            {
                // The trigger watches the gateways homed on the first broker (the one a disruption takes down): they must
                // be that far into their upload, not done, when it goes, or the run would not prove their failover.
                if (!disrupted && Acknowledged(firstBrokerGateways) >= disrupt!.Value.Share * expectedOnFirst)
                {
                    disrupted = true;
                    unacknowledgedAtDisruption = Unacknowledged(firstBrokerGateways);
                    disruption = disrupt.Value.Action(stop.Token);
                }

                if (disrupted && subscriber.Received >= expected && Unacknowledged(gateways) == 0)
                {
                    break;
                }

                await Task.Delay(20, token).ConfigureAwait(false);
            }

            TimeSpan elapsed = clock.Elapsed;
            await disruption.ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(uploads).ConfigureAwait(false);
            UploaderStats[] stats = [.. gateways.Select(gw => gw.Uploader.Stats)];
            return new FleetResult
            {
                Expected = expected,
                Received = subscriber.Received,
                Duplicates = subscriber.Duplicates,
                Unacknowledged = Unacknowledged(gateways),
                Acknowledged = stats.Sum(s => s.RecordsAcknowledged),
                PublishFailures = stats.Sum(s => s.PublishFailures),
                Connects = stats.Sum(s => s.Reconnects),
                Elapsed = elapsed,
                Errors = subscriber.Errors,
                UnacknowledgedAtDisruption = unacknowledgedAtDisruption,
            };
        }
        finally
        {
            foreach ((SensorStoreSystem store, MqttUploader uploader) in gateways)
            {
                uploader.Dispose();
                store.Dispose();
            }
        }
    }

    /// <summary>The value gateway <paramref name="gateway"/> stores at <paramref name="index"/> of sensor <paramref name="sensor"/>: any record that arrives changed is caught.</summary>
    public static uint Value(int gateway, int sensor, ulong index) => unchecked((uint)(((ulong)gateway * 1_000_003UL) + ((ulong)sensor * 7_919UL) + (index * 2_654_435_761UL)));

    private static string GatewayName(int g) => $"fleet-{g:D3}";

    private static UploaderOptions UploaderOptionsFor(int g, FleetOptions options)
    {
        int n = options.Brokers.Count;
        DnsEndPoint home = options.Brokers[g % n];
        return new UploaderOptions
        {
            Host = home.Host,
            Port = home.Port,
            FailoverBrokers = [.. Enumerable.Range(1, n - 1).Select(k => options.Brokers[(g + k) % n])],
            GatewayId = GatewayName(g),
            Protocol = options.Protocol,
            CaFile = options.CaFile,
            Username = options.Username,
            Password = options.Password,
            BatchRecords = options.BatchRecords,
            PublishTimeout = options.PublishTimeout,
            MinBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromSeconds(1),
        };
    }

    /// <summary>A store with the gateway's sensors and all their records, spilled to disk by the manager as it fills (no record refused or recycled).</summary>
    private static SensorStoreSystem Fill(string directory, int g, FleetOptions options, Dictionary<(string, SensorSource, uint), ulong> first)
    {
        SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Linux(directory) with { MaxSensors = Math.Max(options.SensorsPerGateway, 1) });
        try
        {
            var sensors = new SensorLog[options.SensorsPerGateway];
            for (int s = 0; s < sensors.Length; s++)
            {
                (SensorSource source, SensorType type) = s % 2 == 0 ? (SensorSource.Host, SensorType.TimeSeries) : (SensorSource.Can, SensorType.Event);
                sensors[s] = store.GetOrCreateSensor(source, (uint)s, type);
                first[(GatewayName(g), source, (uint)s)] = sensors[s].GetStats().TailIndex;
            }

            const int Round = 100;
            for (int done = 0; done < options.RecordsPerSensor; done += Round)
            {
                for (int s = 0; s < sensors.Length; s++)
                {
                    ulong start = first[(GatewayName(g), sensors[s].Source, (uint)s)];
                    for (int i = done; i < Math.Min(done + Round, options.RecordsPerSensor); i++)
                    {
                        ulong index = start + (ulong)i;
                        bool added = sensors[s].Type == SensorType.Event
                            ? sensors[s].TryAdd(Value(g, s, index), index)
                            : sensors[s].TryAdd(Value(g, s, index));
                        if (!added)
                        {
                            throw new InvalidOperationException($"{GatewayName(g)}: record {i} of sensor {s} was refused");
                        }
                    }
                }

                store.Tick();
            }

            if (StoreOutcome.NotStored(store, flushed: true) is { } why)
            {
                throw new InvalidOperationException($"{GatewayName(g)}: the store did not keep its records: {why}");
            }

            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    private static long Unacknowledged(List<(SensorStoreSystem Store, MqttUploader Uploader)> gateways) =>
        gateways.Sum(gw => gw.Store.Sensors.Sum(s => s.TotalRecords));

    private static long Acknowledged(List<(SensorStoreSystem Store, MqttUploader Uploader)> gateways) =>
        gateways.Sum(gw => gw.Uploader.Stats.RecordsAcknowledged);

    /// <summary>The verifying subscriber: a persistent QoS 1 session that reconnects (same session) whenever it is dropped.</summary>
    private sealed class FleetSubscriber(FleetOptions options) : IDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly Lock _lock = new();
        private readonly Dictionary<(string Gateway, SensorSource Source, uint Sensor), ulong> _next = [];
        private readonly List<string> _errors = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly string _clientId = "fleet-subscriber-" + Guid.NewGuid().ToString("N")[..12];
        private Task? _keeper;
        private long _received;
        private long _duplicates;

        public long Received => Interlocked.Read(ref _received);

        public long Duplicates => Interlocked.Read(ref _duplicates);

        public IReadOnlyList<string> Errors
        {
            get
            {
                lock (_lock)
                {
                    return [.. _errors];
                }
            }
        }

        public void Expect(Dictionary<(string, SensorSource, uint), ulong> first)
        {
            foreach (var (key, index) in first)
            {
                _next[key] = index;
            }
        }

        public async Task StartAsync(CancellationToken token)
        {
            _client.ApplicationMessageReceivedAsync += e =>
            {
                Check(e.ApplicationMessage.Payload.ToArray());
                return Task.CompletedTask;
            };
            await ConnectAsync(token).ConfigureAwait(false);
            _keeper = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        await Task.Delay(100, _stop.Token).ConfigureAwait(false);
                        if (!_client.IsConnected)
                        {
                            await ConnectAsync(_stop.Token).ConfigureAwait(false);
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                    catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or IOException or System.Net.Sockets.SocketException)
                    {
                        // The broker is away (a node killed under it): try again, the session keeps what arrives meanwhile.
                    }
                }
            });
        }

        private void Check(byte[] body)
        {
            UploadPayload p;
            try
            {
                p = UploadPayload.Decode(body);
            }
            catch (FormatException e)
            {
                Error($"a message does not decode: {e.Message}");
                return;
            }

            var key = (p.GatewayId, p.Source, p.SensorId);
            int gateway = int.Parse(p.GatewayId.AsSpan(p.GatewayId.LastIndexOf('-') + 1), System.Globalization.CultureInfo.InvariantCulture);
            for (int i = 0; i < p.Count; i++)
            {
                ulong index = p.FirstIndex + (ulong)i;
                if (p.ValueAt(i) != Value(gateway, (int)p.SensorId, index) || (p.Type == SensorType.Event && p.TimestampAt(i) != index))
                {
                    Error($"{p.IdempotencyKey}: record {index} arrived as {p.ValueAt(i)}, stored as {Value(gateway, (int)p.SensorId, index)}");
                    return;
                }
            }

            lock (_lock)
            {
                if (!_next.TryGetValue(key, out ulong next))
                {
                    _errors.Add($"{p.IdempotencyKey}: a sensor no gateway has");
                    return;
                }

                ulong end = p.FirstIndex + (ulong)p.Count;
                if (p.FirstIndex > next)
                {
                    // Records after a gap: the ones between were lost or overtaken; either breaks the promise.
                    _errors.Add($"{p.IdempotencyKey}: records {next}..{p.FirstIndex - 1} of this sensor had not arrived before it");
                    return;
                }

                long fresh = (long)(end > next ? end - next : 0);
                Interlocked.Add(ref _duplicates, p.Count - fresh);
                Interlocked.Add(ref _received, fresh);
                _next[key] = Math.Max(next, end);
            }
        }

        private void Error(string message)
        {
            lock (_lock)
            {
                _errors.Add(message);
            }
        }

        private async Task ConnectAsync(CancellationToken token)
        {
            MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
                .WithTcpServer(options.SubscriberBroker.Host, options.SubscriberBroker.Port)
                .WithClientId(_clientId)
                .WithTimeout(TimeSpan.FromSeconds(5));
            builder = options.Protocol == MqttProtocol.V311
                ? builder.WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311).WithCleanSession(false)
                : builder.WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithCleanStart(false).WithSessionExpiryInterval(3600);
            if (options.Username is { } user)
            {
                builder = builder.WithCredentials(user, options.Password);
            }

            if (options.CaFile is { } caFile)
            {
                var trust = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
                trust.ImportFromPemFile(caFile);
                builder = builder.WithTlsOptions(o => o.UseTls().WithTrustChain(trust));
            }

            MqttClientConnectResult result = await _client.ConnectAsync(builder.Build(), token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new MQTTnet.Exceptions.MqttCommunicationException($"the subscriber's connection was refused: {result.ResultCode}");
            }

            if (!result.IsSessionPresent)
            {
                await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("pqflow/#", MqttQualityOfServiceLevel.AtLeastOnce).Build(), token).ConfigureAwait(false);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            try
            {
                _keeper?.Wait();
            }
            catch (AggregateException)
            {
            }

            _client.Dispose();
            _stop.Dispose();
        }
    }
}
