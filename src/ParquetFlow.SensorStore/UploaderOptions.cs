using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ParquetFlow.SensorStore;

/// <summary>Where and how the uploader publishes.</summary>
public sealed record UploaderOptions
{
    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 1883;

    /// <summary>
    /// Other nodes of the same broker cluster (a NATS or EMQX cluster whose MQTT listeners share the sessions and the
    /// stored messages). When the connection to the broker in use fails or is lost, the uploader connects to the next one
    /// in <see cref="Brokers"/> (after its usual backoff), and re-sends the batch whose PUBACK it did not get there: the
    /// receiver sees it twice (same idempotency key), never not at all.
    /// </summary>
    public IReadOnlyList<DnsEndPoint> FailoverBrokers { get; init; } = [];

    /// <summary>Every broker in the order they are tried: <see cref="Host"/>:<see cref="Port"/>, then <see cref="FailoverBrokers"/>.</summary>
    public IReadOnlyList<DnsEndPoint> Brokers => [new DnsEndPoint(Host, Port), .. FailoverBrokers];

    /// <summary>
    /// This gateway's id: part of every topic, idempotency key and the MQTT client id (<see cref="GatewayIdentity.IsValid"/>).
    /// Null: the id generated once and kept beside the store (<see cref="GatewayIdentity.LoadOrCreate"/>); a RAM-only
    /// store needs it given.
    /// </summary>
    public string? GatewayId { get; init; }

    public string TopicPrefix { get; init; } = "pqflow";

    /// <summary>MQTT 5 (reason codes on PUBACK) or 3.1.1, which many brokers and cloud IoT hubs speak only.</summary>
    public MqttProtocol Protocol { get; init; } = MqttProtocol.V500;

    /// <summary>TLS with the system's trust store (implied by <see cref="CaFile"/>).</summary>
    public bool Tls { get; init; }

    /// <summary>PEM file of the CA(s) the broker's certificate must chain to (instead of the system's); turns TLS on.</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM client certificate (with <see cref="ClientKeyFile"/>) for brokers that authenticate gateways by certificate.</summary>
    public string? ClientCertificateFile { get; init; }

    /// <summary>PEM private key of <see cref="ClientCertificateFile"/>.</summary>
    public string? ClientKeyFile { get; init; }

    /// <summary>MQTT user name (with <see cref="Password"/>).</summary>
    public string? Username { get; init; }

    /// <summary>MQTT password.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// Plaintext MQTT to a host that is not loopback is refused unless this is set: without TLS, anything that can
    /// answer on the broker's address can acknowledge batches and make the gateway erase them.
    /// </summary>
    public bool AllowPlaintext { get; init; }

    /// <summary>Whether the connection uses TLS.</summary>
    public bool UsesTls => Tls || CaFile is not null;

    /// <summary>Most records per published batch.</summary>
    public int BatchRecords { get; init; } = 1024;

    /// <summary>First retry delay while the broker is unreachable; doubled up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Pause when no sensor has unsent records.</summary>
    public TimeSpan IdleDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long one publish may wait for its PUBACK.</summary>
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Where the uploader reports connecting and disconnecting (Information), a lost connection, each backoff before a
    /// retry and every batch a PUBACK refuses with its reason code (Warning), and a broker certificate refused (Error).
    /// Default none.
    /// </summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;
}
