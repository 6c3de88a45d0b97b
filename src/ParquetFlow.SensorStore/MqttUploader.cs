// Store and forward: unsent records -> pending batch -> MQTT QoS 1 publish -> PUBACK -> acknowledge (forget) the pending batch.
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace ParquetFlow.SensorStore;

/// <summary>
/// The single uploader of a <see cref="SensorStoreSystem"/>. For each sensor in turn it consumes a batch (the
/// records become pending), publishes it with QoS 1 and calls <see cref="SensorLog.AcknowledgePending"/> only when
/// the broker's PUBACK accepts it for delivery (MQTT 5 reason 0x00; any PUBACK in MQTT 3.1.1, which has no reasons).
/// A batch whose publish failed or was refused — including 0x10 "no matching subscribers", which MQTTnet counts as a
/// success although the broker discarded the message — is kept, counted by reason, and re-sent unchanged (same
/// idempotency key) after an exponential backoff; nothing unacknowledged is ever erased.
/// Run one instance per store; <see cref="RunAsync"/> is not re-entrant. What it does to the connection, and every
/// refusal, goes to <see cref="UploaderOptions.Logger"/>.
/// </summary>
public sealed class MqttUploader : IDisposable
{
    private readonly SensorStoreSystem _store;
    private readonly UploaderOptions _options;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly Dictionary<SensorLog, (UploadPayload Payload, byte[] Body)> _inFlight = [];
    private readonly Random _jitter = new();
    private long _batches;
    private long _records;
    private long _failures;
    private long _reconnects;
    private readonly long[] _refusals = new long[256]; // by PUBACK reason code
    private readonly X509Certificate2Collection? _trust;
    private readonly X509Certificate2? _clientCertificate;
    private string? _lastError;
    private bool _connected; // as RunAsync last saw it: a failure while connected is a lost connection
    private readonly DnsEndPoint[] _brokers;
    private int _broker; // index in _brokers of the broker in use (or tried next)

    public MqttUploader(SensorStoreSystem store, UploaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        if (options.BatchRecords < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "BatchRecords must be positive");
        }
        _store = store;
        _options = options;
        _logger = options.Logger;
        _brokers = [.. options.Brokers];
        foreach (DnsEndPoint broker in _brokers)
        {
            if (!options.UsesTls && !options.AllowPlaintext && !IsLoopback(broker.Host))
            {
                throw new ArgumentException(
                    $"plaintext MQTT to {broker.Host} is refused: anything answering there could acknowledge batches and make the store erase them; use TLS (a CA file) or allow plaintext explicitly",
                    nameof(options));
            }
        }

        if ((options.ClientCertificateFile is null) != (options.ClientKeyFile is null) || (options.Password is not null && options.Username is null))
        {
            throw new ArgumentException("a client certificate needs its key (and a key its certificate), and a password needs a user name", nameof(options));
        }

        if (options.CaFile is { } caFile)
        {
            _trust = [];
            _trust.ImportFromPemFile(caFile);
            if (_trust.Count == 0)
            {
                throw new ArgumentException($"{caFile} holds no PEM certificate", nameof(options));
            }
        }

        if (options.ClientCertificateFile is { } certificate)
        {
            _clientCertificate = X509Certificate2.CreateFromPemFile(certificate, options.ClientKeyFile);
        }

        if (options.GatewayId is { } given)
        {
            GatewayId = GatewayIdentity.IsValid(given, out string? error) ? given : throw new ArgumentException(error, nameof(options));
        }
        else
        {
            GatewayId = store.Options.Directory is { } directory
                ? GatewayIdentity.LoadOrCreate(directory, store.Options.Storage)
                : throw new ArgumentException("a store without a directory (RAM only) needs an explicit GatewayId", nameof(options));
        }

        _client = new MqttClientFactory().CreateMqttClient();
    }

    /// <summary>The broker in use, or the one the next connection attempt goes to (see <see cref="UploaderOptions.FailoverBrokers"/>).</summary>
    public DnsEndPoint Broker => _brokers[Volatile.Read(ref _broker)];

    /// <summary>The gateway id in use: the one given, or the one kept beside the store.</summary>
    public string GatewayId { get; }

    public UploaderStats Stats => new(Interlocked.Read(ref _batches), Interlocked.Read(ref _records),
        Interlocked.Read(ref _failures), Interlocked.Read(ref _reconnects), _client.IsConnected)
    {
        Refusals = Refused(),
        LastError = Volatile.Read(ref _lastError),
    };

    private Dictionary<string, long> Refused()
    {
        var refused = new Dictionary<string, long>();
        for (int code = 0; code < _refusals.Length; code++)
        {
            long n = Interlocked.Read(ref _refusals[code]);
            if (n > 0)
            {
                refused[$"0x{code:X2} {(MqttClientPublishReasonCode)code}"] = n;
            }
        }

        return refused;
    }

    /// <summary>Uploads until cancelled. Returns normally on cancellation.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        TimeSpan backoff = _options.MinBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
                bool worked = await UploadRoundAsync(cancellationToken).ConfigureAwait(false);
                backoff = _options.MinBackoff;
                if (!worked)
                {
                    await Task.Delay(_options.IdleDelay, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or IOException
                or System.Net.Sockets.SocketException or InvalidOperationException or PublishRefusedException)
            {
                Interlocked.Increment(ref _failures);
                string reason = e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
                Volatile.Write(ref _lastError, reason);
                TimeSpan wait = backoff + TimeSpan.FromMilliseconds(_jitter.Next(0, (int)Math.Max(1, backoff.TotalMilliseconds / 4)));
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
                if (_connected && !_client.IsConnected)
                {
                    Log.ConnectionLost(_logger, Broker.Host, Broker.Port, reason);
                }
                _connected = _client.IsConnected;
                if (!_connected && _brokers.Length > 1)
                {
                    // The broker in use cannot be reached (or dropped us): the next attempt goes to the next node of
                    // the cluster, which holds the same sessions and messages.
                    _broker = (_broker + 1) % _brokers.Length;
                }

                // A refusal was logged with its batch and reason code where it happened; a failed TLS handshake is an
                // error an operator must fix, not a network hiccup to wait out.
                LogLevel level = e is PublishRefusedException ? LogLevel.Debug
                    : e.InnerException is AuthenticationException || e is AuthenticationException ? LogLevel.Error
                    : LogLevel.Warning;
                Log.Retrying(_logger, level, Broker.Host, Broker.Port, reason, (long)wait.TotalMilliseconds);
                try
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None).ConfigureAwait(false);
            }
            catch (MqttCommunicationException)
            {
            }
            Log.Disconnected(_logger, Broker.Host, Broker.Port);
        }
        _connected = false;
    }

    /// <summary>
    /// Publishes at most one batch per sensor; true when anything was sent. Throws when the broker is gone, or
    /// <see cref="PublishRefusedException"/> when its PUBACK refuses a batch (the round stops there: a refusing broker
    /// refuses the next one too; <see cref="RunAsync"/> counts it as a publish failure); the batch stays in flight and
    /// pending, and is re-sent as is.
    /// </summary>
    public async Task<bool> UploadRoundAsync(CancellationToken cancellationToken)
    {
        bool worked = false;
        byte[]? scratch = null;
        foreach (SensorLog sensor in _store.Sensors)
        {
            if (!_inFlight.TryGetValue(sensor, out var batch))
            {
                int recordSize = RecordCodec.Size(sensor.Type);
                scratch ??= new byte[_options.BatchRecords * RecordCodec.MaxSize];
                // The errno form, not TryConsumeBatch: a failed read (IoError) is, like nothing unsent, a reason to go on to
                // the next sensor and come back next round, not an exception that would end the round for every sensor.
                if (sensor.ConsumeBatch(scratch.AsSpan(0, _options.BatchRecords * recordSize), out int count, out ulong first) != StoreResult.Ok)
                {
                    continue;
                }
                var payload = new UploadPayload
                {
                    GatewayId = GatewayId,
                    Source = sensor.Source,
                    Type = sensor.Type,
                    SensorId = sensor.SensorId,
                    FirstIndex = first,
                    Count = count,
                    Records = scratch.AsMemory(0, count * recordSize),
                };
                batch = (payload with { Records = ReadOnlyMemory<byte>.Empty }, payload.Encode()); // scratch is reused: keep only the encoded copy
                _inFlight[sensor] = batch;
            }
            worked = true;
            MqttApplicationMessageBuilder builder = new MqttApplicationMessageBuilder()
                .WithTopic(UploadPayload.Topic(_options.TopicPrefix, GatewayId, sensor.Source, sensor.SensorId))
                .WithPayload(batch.Body)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
            if (_options.Protocol == MqttProtocol.V500)
            {
                // MQTT 3.1.1 has no user properties; the key is in the payload either way (gateway, source, sensor, first index).
                builder = builder.WithUserProperty("idempotency-key", new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(batch.Payload.IdempotencyKey)));
            }

            MqttApplicationMessage message = builder.Build();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.PublishTimeout);
            MqttClientPublishResult result = await _client.PublishAsync(message, timeout.Token).ConfigureAwait(false);
            if (result.ReasonCode != MqttClientPublishReasonCode.Success)
            {
                // Not accepted for delivery (0x10: nobody subscribed, the broker dropped it; 0x87: not authorized; ...):
                // keep the batch pending and back off before the next attempt.
                Interlocked.Increment(ref _refusals[(byte)result.ReasonCode]);
                Log.PublishRefused(_logger, batch.Payload.IdempotencyKey, batch.Payload.Count, message.Topic, (byte)result.ReasonCode, result.ReasonCode.ToString(),
                    string.IsNullOrEmpty(result.ReasonString) ? "" : $" ({result.ReasonString})");
                throw new PublishRefusedException(result.ReasonCode, result.ReasonString);
            }
            // PUBACK with reason 0x00: the broker accepted the batch for delivery; only now may the store forget it.
            sensor.AcknowledgePending();
            _inFlight.Remove(sensor);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _records, batch.Payload.Count);
        }
        return worked;
    }

    private async Task EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        if (_client.IsConnected)
        {
            return;
        }
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithTcpServer(Broker.Host, Broker.Port)
            .WithClientId($"pqflow-uploader-{GatewayId}")
            .WithProtocolVersion(_options.Protocol == MqttProtocol.V311 ? MQTTnet.Formatter.MqttProtocolVersion.V311 : MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithTimeout(TimeSpan.FromSeconds(5));
        if (_options.Username is { } user)
        {
            builder = builder.WithCredentials(user, _options.Password);
        }

        if (_options.UsesTls)
        {
            builder = builder.WithTlsOptions(tls =>
            {
                tls.UseTls()
                    .WithSslProtocols(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13)
                    .WithCertificateValidationHandler(e => ValidateBroker(e.Certificate, e.SslPolicyErrors));
                if (_clientCertificate is not null)
                {
                    tls.WithClientCertificates([_clientCertificate]);
                }
            });
        }

        MqttClientOptions options = builder.Build();
        MqttClientConnectResult connected = await _client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        if (connected.ResultCode != MqttClientConnectResultCode.Success)
        {
            // MQTTnet can return a refused CONNACK without throwing; the next publish would then only say "not connected".
            throw new MqttCommunicationException(
                $"the broker refused the connection: {connected.ResultCode}{(string.IsNullOrEmpty(connected.ReasonString) ? "" : $" ({connected.ReasonString})")}");
        }

        long connection = Interlocked.Increment(ref _reconnects);
        _connected = true;
        Log.Connected(_logger, Broker.Host, Broker.Port, _options.Protocol, _options.UsesTls ? "TLS" : "plaintext", connection);
    }

    /// <summary>
    /// The broker's certificate must name the host and chain to <see cref="UploaderOptions.CaFile"/>'s CA (or, without
    /// one, to the system's roots): a broker with another certificate gets no batch, so it can acknowledge none.
    /// </summary>
    private bool ValidateBroker(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return RefuseCertificate(certificate, errors.ToString());
        }

        if (_trust is null)
        {
            return errors == SslPolicyErrors.None || RefuseCertificate(certificate, $"{errors} against the system's trust store");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trust);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using X509Certificate2 server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (chain.Build(server))
        {
            return true;
        }

        string status = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()));
        return RefuseCertificate(certificate, $"it does not chain to {_options.CaFile} ({status})");
    }

    /// <summary>Logs why the broker's certificate is refused; returns false, the handshake's verdict.</summary>
    private bool RefuseCertificate(X509Certificate? certificate, string problem)
    {
        Log.CertificateRefused(_logger, Broker.Host, certificate?.Subject ?? "no certificate", problem);
        return false;
    }

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out IPAddress? address) && IPAddress.IsLoopback(address));

    public void Dispose()
    {
        _client.Dispose();
        _clientCertificate?.Dispose();
    }
}
