using System.Buffers;
using MQTTnet;
using MQTTnet.Protocol;
using ParquetFlow.SensorStore;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>
/// A real MQTT subscriber (persistent session, QoS 1) that records every batch per sensor and checks
/// order: each new batch of a sensor starts where the previous one ended or repeats an earlier one.
/// </summary>
internal sealed class RecordingSubscriber : IDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly Lock _lock = new();
    private readonly Dictionary<(SensorSource, uint), SortedDictionary<ulong, uint>> _records = [];
    private readonly Dictionary<(SensorSource, uint), ulong> _highest = [];
    private readonly List<string> _errors = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly int _port;
    private readonly string _clientId = "sub-" + Guid.NewGuid().ToString("N");
    private Task? _keeper;

    private readonly string? _caFile;

    /// <summary>A subscriber on <paramref name="port"/>; with <paramref name="caFile"/>, over TLS as user gateway (scripts/mosquitto.sh start-tls).</summary>
    public RecordingSubscriber(int port, string? caFile = null)
    {
        _port = port;
        _caFile = caFile;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            try
            {
                UploadPayload p = UploadPayload.Decode(e.ApplicationMessage.Payload.ToArray());
                lock (_lock)
                {
                    var key = (p.Source, p.SensorId);
                    if (!_records.TryGetValue(key, out var map))
                    {
                        _records[key] = map = [];
                    }
                    if (_highest.TryGetValue(key, out ulong high) && p.FirstIndex > high + 1 && !map.ContainsKey(p.FirstIndex - 1))
                    {
                        // Allowed only across a gap that no record fills (dropped or never written indices);
                        // checked by the test against the indices it expects.
                    }
                    if (_highest.TryGetValue(key, out high) && p.FirstIndex <= high && !map.ContainsKey(p.FirstIndex))
                    {
                        _errors.Add($"{key}: batch at {p.FirstIndex} arrived after {high} and is not a repeat");
                    }
                    for (int i = 0; i < p.Count; i++)
                    {
                        ulong index = p.FirstIndex + (ulong)i;
                        uint value = p.ValueAt(i);
                        if (map.TryGetValue(index, out uint seen) && seen != value)
                        {
                            _errors.Add($"{key}: record {index} arrived as {value} and as {seen}");
                        }
                        map[index] = value;
                    }
                    ulong last = p.FirstIndex + (ulong)p.Count - 1;
                    _highest[key] = _highest.TryGetValue(key, out high) ? Math.Max(high, last) : last;
                    Batches++;
                }
            }
            catch (FormatException ex)
            {
                lock (_lock)
                {
                    _errors.Add(ex.Message);
                }
            }
            return Task.CompletedTask;
        };
    }

    public long Batches { get; private set; }

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

    /// <summary>Connects, subscribes and keeps reconnecting (same session) until disposed.</summary>
    public async Task StartAsync()
    {
        await ConnectAsync().ConfigureAwait(false);
        _keeper = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(50, _stop.Token).ConfigureAwait(false);
                    if (!_client.IsConnected)
                    {
                        await ConnectAsync().ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (Exception)
                {
                    // broker down: try again
                }
            }
        });
    }

    private async Task ConnectAsync()
    {
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", _port)
            .WithClientId(_clientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(3600);
        if (_caFile is not null)
        {
            var trust = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            trust.ImportFromPemFile(_caFile);
            builder = builder.WithCredentials("gateway", "secret").WithTlsOptions(o => o.UseTls().WithTrustChain(trust));
        }

        MqttClientOptions options = builder.Build();
        MqttClientConnectResult result = await _client.ConnectAsync(options).ConfigureAwait(false);
        if (!result.IsSessionPresent)
        {
            await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter("pqflow/#", MqttQualityOfServiceLevel.AtLeastOnce).Build()).ConfigureAwait(false);
        }
    }

    /// <summary>The values received for a sensor, by record index.</summary>
    public SortedDictionary<ulong, uint> Received(SensorSource source, uint id)
    {
        lock (_lock)
        {
            return _records.TryGetValue((source, id), out var map) ? new SortedDictionary<ulong, uint>(map) : [];
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
