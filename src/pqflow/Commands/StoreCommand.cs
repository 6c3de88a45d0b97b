using System.CommandLine;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using ParquetFlow.Bench;
using ParquetFlow.Cli.Store;
using ParquetFlow.SensorStore;

namespace ParquetFlow.Cli.Commands;

/// <summary>
/// <c>pqflow store simulate|stats|read|upload</c>: drive the sensor store from the shell — simulate N
/// sensors, show what a store directory holds, read one record, and upload everything over MQTT. Each exits 1 with
/// one line on stderr whenever it did not store (or show, read, upload) what was asked: an unhealthy store, disk
/// failures, a flush that ran out of time, sensors that could not be recovered.
/// </summary>
internal static class StoreCommand
{
    public static Command Create()
    {
        var command = new Command("store", "The sensor store: simulate sensors, show stats, read a record, run the MQTT uploader.");
        command.Subcommands.Add(Simulate());
        command.Subcommands.Add(Stats());
        command.Subcommands.Add(Read());
        command.Subcommands.Add(Upload());
        Command bench = StoreBench.Create("bench"); // the name before `pqflow bench store`, kept for scripts
        bench.Hidden = true;
        command.Subcommands.Add(bench);
        return command;
    }

    private static Option<string> DirOption(bool required) => new("--dir")
    {
        Description = "Store directory (Linux profile); holds host/, application/, can/",
        Required = required,
    };

    private static Option<SensorSource> SourceOption() => new("--source") { Description = "host, application or can", DefaultValueFactory = _ => SensorSource.Host };

    /// <summary>"host:port", "[v6]:port": a broker's address (the port 1..65535).</summary>
    internal static bool TryParseBroker(string text, [NotNullWhen(true)] out DnsEndPoint? endpoint)
    {
        endpoint = null;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p is < 1 or > 65535)
        {
            return false;
        }

        string name = text[..colon];
        if (name.StartsWith('[') && name.EndsWith(']'))
        {
            name = name[1..^1];
        }

        if (name.Length == 0 || name.Contains(':', StringComparison.Ordinal) && !IPAddress.TryParse(name, out _))
        {
            return false;
        }

        endpoint = new DnsEndPoint(name, p);
        return true;
    }

    /// <summary>
    /// Opens the store in <paramref name="dir"/>; what recovery skipped reaches stderr through <paramref name="logging"/>.
    /// A store that cannot be opened fails the command with one line (exit 1): the <see cref="IOException"/> reaches
    /// <see cref="Runner"/>, an invalid option (an empty --dir) is turned into a <see cref="CommandLineException"/>.
    /// </summary>
    private static SensorStoreSystem OpenLinux(string dir, ILoggerFactory logging)
    {
        try
        {
            return SensorStoreSystem.Open(SensorStoreOptions.Linux(dir) with { Logger = logging.CreateLogger<SensorStoreSystem>() });
        }
        catch (InvalidOperationException e)
        {
            throw new CommandLineException(e.Message, Runner.ExitFailed);
        }
    }

    private static Command Simulate()
    {
        var dir = DirOption(required: false);
        var profile = new Option<StoreProfile>("--profile") { Description = "linux (needs --dir) or stm32", DefaultValueFactory = _ => StoreProfile.Linux };
        var sensors = new Option<int>("--sensors") { Description = "Sensors to simulate (spread over host/application/can)", DefaultValueFactory = _ => 100 };
        var records = new Option<int>("--records") { Description = "Records per sensor", DefaultValueFactory = _ => 1000 };
        var events = new Option<double>("--event-share") { Description = "Share of event sensors (the rest are time-series)", DefaultValueFactory = _ => 0.5 };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 1 };
        var budget = new Option<double>("--flush-budget") { Description = "Seconds the shutdown flush may take", DefaultValueFactory = _ => 60 };
        var command = new Command("simulate", "Write records for N sensors (one manager tick per round), then flush for shutdown and print stats; exits 1 unless every record is on disk.");
        foreach (Option o in new Option[] { dir, profile, sensors, records, events, seed, budget })
        {
            command.Options.Add(o);
        }
        command.SetAction(r =>
        {
            StoreProfile p = r.GetValue(profile);
            string? d = r.GetValue(dir);
            int n = r.GetValue(sensors);
            int m = r.GetValue(records);
            if (n < 1 || m < 0 || (p == StoreProfile.Linux && string.IsNullOrEmpty(d)))
            {
                Console.Error.WriteLine("pqflow store simulate: --sensors must be positive and the linux profile needs --dir");
                return 2;
            }
            using ILoggerFactory logging = ConsoleLogging.Create();
            SensorStoreOptions options = p == StoreProfile.Stm32
                ? SensorStoreOptions.Stm32() with { MaxSensors = n, Logger = logging.CreateLogger<SensorStoreSystem>() }
                : SensorStoreOptions.Linux(d!) with { MaxSensors = Math.Max(n, 2048), ShutdownFlushBudget = TimeSpan.FromSeconds(Math.Max(0, r.GetValue(budget))), Logger = logging.CreateLogger<SensorStoreSystem>() };
            SensorStoreSystem opened;
            try
            {
                opened = SensorStoreSystem.Open(options); // a disk error is an IOException, reported by Runner
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"pqflow store simulate: {e.Message} (the {p} profile, {n} sensors)");
                return 1;
            }
            using SensorStoreSystem store = opened;
            var random = new Random(r.GetValue(seed));
            var all = new SensorLog[n];
            for (int i = 0; i < n; i++)
            {
                SensorType type = random.NextDouble() < r.GetValue(events) ? SensorType.Event : SensorType.TimeSeries;
                try
                {
                    all[i] = store.GetOrCreateSensor((SensorSource)(i % 3), (uint)(i / 3), type);
                }
                catch (InvalidOperationException e)
                {
                    // Recovered with the other record type (a store simulated before with another seed), or no slot left.
                    Console.Error.WriteLine($"pqflow store simulate: sensor {i}: {e.Message}");
                    return 1;
                }
            }
            var clock = Stopwatch.StartNew();
            using var progress = new Progress("store simulate");
            long dropped = 0;
            ulong ts = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            const int Round = 100;
            for (int done = 0; done < m; done += Round)
            {
                int k = Math.Min(Round, m - done);
                foreach (SensorLog s in all)
                {
                    for (int j = 0; j < k; j++)
                    {
                        uint value = (uint)random.Next();
                        if (!(s.Type == SensorType.Event ? s.TryAdd(value, ts + (ulong)(done + j)) : s.TryAdd(value)))
                        {
                            dropped++;
                        }
                    }
                }
                store.Tick();
                progress.Report(done + k, m, $"{done + k:N0}/{m:N0} records per sensor");
            }

            progress.Dispose();
            double seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"wrote {(long)n * m} records to {n} sensors in {seconds:F2} s ({(long)n * m / Math.Max(seconds, 1e-9):F0} records/s), {dropped} refused");
            bool flushed = true;
            if (p == StoreProfile.Linux)
            {
                var flush = Stopwatch.StartNew();
                flushed = store.FlushForShutdown();
                Console.WriteLine($"shutdown flush: {(flushed ? "everything on disk" : "budget ran out")} in {flush.Elapsed.TotalMilliseconds:F0} ms");
            }
            StoreReport.Write(Console.Out, store, only: null, all: false);
            if (StoreOutcome.NotStored(store, flushed, dropped) is { } why)
            {
                Console.Error.WriteLine($"pqflow store simulate: not every record was stored: {why}");
                return 1;
            }
            return 0;
        });
        return command;
    }

    private static Command Stats()
    {
        var dir = DirOption(required: true);
        var source = SourceOption();
        var id = new Option<uint?>("--id") { Description = "Show one sensor" };
        var all = new Option<bool>("--all") { Description = $"List every sensor (without it, only stores of at most {StoreReport.TableLimit} sensors list them)" };
        Option<bool> json = CommonOptions.Json();
        var command = new Command("stats", "Open (recover) a store directory and print its stats (ss_dump_stats); exits 1 when part of it could not be read.");
        foreach (Option o in new Option[] { dir, source, id, all, json })
        {
            command.Options.Add(o);
        }
        command.SetAction(r =>
        {
            using ILoggerFactory logging = ConsoleLogging.Create();
            using SensorStoreSystem store = OpenLinux(r.GetValue(dir)!, logging);
            SensorLog? only = null;
            if (r.GetValue(id) is { } sensorId)
            {
                only = store.Find(r.GetValue(source), sensorId);
                if (only is null)
                {
                    Console.Error.WriteLine($"pqflow store stats: no sensor {r.GetValue(source)}/{sensorId}");
                    return 1;
                }
            }
            string? notStored = StoreOutcome.NotStored(store, flushed: true);
            if (r.GetValue(json))
            {
                JsonOutput.Write(w => StoreReport.WriteJson(w, store, only, notStored));
            }
            else
            {
                StoreReport.Write(Console.Out, store, only, r.GetValue(all));
            }

            if (notStored is { } why)
            {
                Console.Error.WriteLine($"pqflow store stats: the figures above miss what could not be read: {why}");
                return 1;
            }
            return 0;
        });
        return command;
    }

    private static Command Read()
    {
        var dir = DirOption(required: true);
        var source = SourceOption();
        var id = new Option<uint>("--id") { Description = "Sensor id", Required = true };
        var offset = new Option<ulong>("--offset") { Description = "Offset from the oldest retained record", DefaultValueFactory = _ => 0 };
        var command = new Command("read", "Read one record by offset (ss_diag_read_at); moves no cursor.");
        command.Options.Add(dir);
        command.Options.Add(source);
        command.Options.Add(id);
        command.Options.Add(offset);
        command.SetAction(r =>
        {
            using ILoggerFactory logging = ConsoleLogging.Create();
            using SensorStoreSystem store = OpenLinux(r.GetValue(dir)!, logging);
            SensorLog? s = store.Find(r.GetValue(source), r.GetValue(id));
            if (s is null)
            {
                Console.Error.WriteLine($"pqflow store read: no sensor {r.GetValue(source)}/{r.GetValue(id)}");
                return 1;
            }
            SensorRecord rec;
            try
            {
                rec = s.ReadAt(r.GetValue(offset));
            }
            catch (ArgumentOutOfRangeException)
            {
                Console.Error.WriteLine($"pqflow store read: offset {r.GetValue(offset)} is past the last record ({s.TotalRecords} records retained)");
                return 1;
            }
            Console.WriteLine(s.Type == SensorType.Event
                ? $"index {rec.Index} value {rec.Value} ts_ms {rec.TimestampMs}"
                : $"index {rec.Index} value {rec.Value}");
            return 0;
        });
        return command;
    }

    private static Command Upload()
    {
        var dir = DirOption(required: true);
        var host = new Option<string>("--host") { Description = "MQTT broker host", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "MQTT broker port", DefaultValueFactory = _ => 1883 };
        var gateway = new Option<string?>("--gateway") { Description = "Gateway id (topics, idempotency keys, MQTT client id); default: generated once and kept in DIR/gateway-id" };
        var batch = new Option<int>("--batch") { Description = "Records per batch", DefaultValueFactory = _ => 1024 };
        var timeout = new Option<double>("--timeout") { Description = "Give up after this many seconds", DefaultValueFactory = _ => 60 };
        var mqtt = new Option<string>("--mqtt") { Description = "MQTT version: 5 or 3.1.1", DefaultValueFactory = _ => "5" };
        var tls = new Option<bool>("--tls") { Description = "TLS, trusting the system's CAs (implied by --ca-file)" };
        var caFile = new Option<string?>("--ca-file") { Description = "PEM CA the broker's certificate must chain to (TLS on)" };
        var cert = new Option<string?>("--cert") { Description = "PEM client certificate (with --key)" };
        var key = new Option<string?>("--key") { Description = "PEM key of --cert" };
        var user = new Option<string?>("--username") { Description = "MQTT user name" };
        var passwordFile = new Option<string?>("--password-file") { Description = "File whose first line is the MQTT password (kept off the command line)" };
        var plaintext = new Option<bool>("--allow-plaintext") { Description = "Allow plaintext MQTT to a host that is not loopback (anything answering there could acknowledge batches)" };
        var failover = new Option<string[]>("--failover") { Description = "HOST:PORT of another node of the same broker cluster, tried in turn when the connection fails (repeatable)", AllowMultipleArgumentsPerToken = true };
        var command = new Command("upload", "Upload every unsent record over MQTT QoS 1, erasing each batch on its PUBACK, then exit.");
        foreach (Option o in new Option[] { dir, host, port, failover, gateway, batch, timeout, mqtt, tls, caFile, cert, key, user, passwordFile, plaintext })
        {
            command.Options.Add(o);
        }
        command.SetAction(r =>
        {
            using ILoggerFactory logging = ConsoleLogging.Create();
            // Bad arguments are refused before the store is opened (and perhaps created).
            var others = new List<DnsEndPoint>();
            foreach (string node in r.GetValue(failover) ?? [])
            {
                if (!TryParseBroker(node, out DnsEndPoint? endpoint))
                {
                    Console.Error.WriteLine($"pqflow store upload: --failover {node}: expected HOST:PORT");
                    return 2;
                }

                others.Add(endpoint);
            }

            using SensorStoreSystem store = OpenLinux(r.GetValue(dir)!, logging);
            if (r.GetValue(gateway) is { } given && !GatewayIdentity.IsValid(given, out string? invalid))
            {
                Console.Error.WriteLine($"pqflow store upload: --gateway: {invalid}");
                return 2;
            }
            MqttProtocol? protocol = r.GetValue(mqtt) switch { "5" or "5.0" => MqttProtocol.V500, "3.1.1" or "3" => MqttProtocol.V311, _ => null };
            if (protocol is null)
            {
                Console.Error.WriteLine($"pqflow store upload: --mqtt {r.GetValue(mqtt)}: expected 5 or 3.1.1");
                return 2;
            }
            string? password = r.GetValue(passwordFile) is { } file ? File.ReadLines(file).FirstOrDefault() ?? "" : null;
            MqttUploader uploader;
            try
            {
                uploader = new MqttUploader(store, new UploaderOptions
                {
                    Host = r.GetValue(host)!,
                    Port = r.GetValue(port),
                    FailoverBrokers = others,
                    GatewayId = r.GetValue(gateway),
                    BatchRecords = Math.Max(1, r.GetValue(batch)),
                    Protocol = protocol.Value,
                    Tls = r.GetValue(tls),
                    CaFile = r.GetValue(caFile),
                    ClientCertificateFile = r.GetValue(cert),
                    ClientKeyFile = r.GetValue(key),
                    Username = r.GetValue(user),
                    Password = password,
                    AllowPlaintext = r.GetValue(plaintext),
                    Logger = logging.CreateLogger<MqttUploader>(),
                });
            }
            catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
            {
                Console.Error.WriteLine($"pqflow store upload: {e.Message}");
                return 2;
            }
            using MqttUploader owned = uploader;
            Console.WriteLine($"gateway id {uploader.GatewayId}" + (r.GetValue(gateway) is null ? $" (kept in {Path.Combine(store.Options.Directory!, GatewayIdentity.FileName)})" : ""));
            using var cts = new CancellationTokenSource();
            Task run = uploader.RunAsync(cts.Token);
            var clock = Stopwatch.StartNew();
            var limit = TimeSpan.FromSeconds(r.GetValue(timeout));
            long last = -1;
            while (clock.Elapsed < limit)
            {
                long left = 0;
                foreach (SensorLog s in store.Sensors)
                {
                    left += s.TotalRecords;
                }
                if (left == 0)
                {
                    break;
                }
                if (left != last && clock.ElapsedMilliseconds > 1000)
                {
                    Console.Error.WriteLine($"upload: {left} records left, {uploader.Stats.RecordsAcknowledged} acknowledged");
                }
                last = left;
                Thread.Sleep(100); // progress polling for a human, not synchronization
            }
            cts.Cancel();
            run.GetAwaiter().GetResult();
            UploaderStats u = uploader.Stats;
            bool flushed = store.FlushForShutdown(TimeSpan.FromSeconds(10)); // persist the erased cursors
            Console.WriteLine($"uploaded {u.RecordsAcknowledged} records in {u.BatchesAcknowledged} acknowledged batches ({u.PublishFailures} failed attempts) in {clock.Elapsed.TotalSeconds:F1} s");
            if (u.Refusals.Count > 0)
            {
                Console.WriteLine("refused by the broker (kept, to be sent again): " + string.Join(", ", u.Refusals.Select(r => $"{r.Value} x PUBACK {r.Key}")));
            }
            long remaining = 0;
            foreach (SensorLog s in store.Sensors)
            {
                remaining += s.TotalRecords;
            }
            var reasons = new List<string>();
            if (remaining > 0)
            {
                reasons.Add($"{remaining} records not acknowledged within {limit.TotalSeconds:F0} s"
                    + (u.LastError is { } lastError ? $" (last error: {lastError})" : "")
                    + (u.Refusals.Count > 0 ? $" (the broker refused: {string.Join(", ", u.Refusals.Keys)}; is a subscriber or a persistent session there?)" : ""));
            }
            if (!flushed)
            {
                reasons.Add("the erased cursors are not all on disk (after a restart acknowledged records are sent again)");
            }
            StoreStats stats = store.GetStats();
            if (!stats.Healthy)
            {
                reasons.Add($"the store is unhealthy (last disk error: {stats.LastDiskError})");
            }
            if (stats.UnrecoveredSensors > 0)
            {
                reasons.Add($"{stats.UnrecoveredSensors} sensors on disk could not be recovered, so were not uploaded");
            }
            if (reasons.Count > 0)
            {
                Console.Error.WriteLine($"pqflow store upload: not everything was uploaded and erased: {string.Join("; ", reasons)}");
                return 1;
            }
            return 0;
        });
        return command;
    }
}
