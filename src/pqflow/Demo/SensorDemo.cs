using System.Globalization;
using System.Text;
using ParquetFlow.Cli.Inspect;
using ParquetFlow.Durability;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Schema;
using ParquetFlow.SensorStore;

namespace ParquetFlow.Cli.Demo;

/// <summary>
/// The sensor-store part of <c>pqflow demo</c>: simulated sensors (half time-series, half events, over the three
/// sources) add a record every 10 ms into a Linux-profile store, and once a second an uploader stand-in consumes every
/// unsent record, writes them to a Parquet file (the "cloud") made durable by an atomic replace, and only then erases
/// them from the store: the store-and-forward contract of the MQTT uploader, with a file for the broker's PUBACK.
/// </summary>
internal sealed class SensorDemo(string directory, int sensorCount, CompressionCodec compression, ParquetProfile profile)
{
    private static readonly ParquetSchema s_schema = new(
        ColumnDescriptor.String("source"),
        ColumnDescriptor.Int64("sensor_id"),
        ColumnDescriptor.String("kind"),
        ColumnDescriptor.Int64("record_index"),
        ColumnDescriptor.Int64("value"),
        ColumnDescriptor.Timestamp("event_time", TimeUnit.Millis, nullable: true));

    private readonly string _storeDirectory = Path.Combine(directory, "data");
    private readonly string _forwardedDirectory = Path.Combine(directory, "forwarded");
    private long _added;
    private long _refused;
    private long _forwarded;
    private int _batches;
    private string? _problem;
    private StoreStats? _stats;
    private long _unsent;

    public long Added => Interlocked.Read(ref _added);

    public void Run(CancellationToken deadline)
    {
        try
        {
            RunStore(deadline);
        }
        catch (IOException e)
        {
            _problem = e.Message;
        }
    }

    private void RunStore(CancellationToken deadline)
    {
        Storage.Default.CreateDirectory(_forwardedDirectory);
        SensorStoreSystem opened;
        try
        {
            opened = SensorStoreSystem.Open(SensorStoreOptions.Linux(_storeDirectory) with { MaxSensors = Math.Max(sensorCount, 64) });
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            _problem = e.Message;
            return;
        }

        using SensorStoreSystem store = opened;
        var sensors = new List<SensorLog>();
        for (int i = 0; i < sensorCount; i++)
        {
            SensorType type = i % 2 == 0 ? SensorType.TimeSeries : SensorType.Event;
            try
            {
                sensors.Add(store.GetOrCreateSensor((SensorSource)(i % 3), (uint)(100 + (i / 3)), type));
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                _problem = $"sensor {i} could not be created: {e.Message}";
                return;
            }
        }

        var random = new Random(11);
        DateTime nextUpload = DateTime.UtcNow.AddSeconds(1);
        for (long step = 0; !deadline.IsCancellationRequested; step++)
        {
            ulong now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (SensorLog sensor in sensors)
            {
                uint value = (uint)(1000 + (500 * Math.Sin((step + sensor.SensorId) / 50.0)) + random.Next(10));
                bool added = sensor.Type == SensorType.Event ? sensor.TryAdd(value, now) : sensor.TryAdd(value);
                Interlocked.Increment(ref added ? ref _added : ref _refused);
            }

            store.Tick();
            if (DateTime.UtcNow >= nextUpload)
            {
                Forward(sensors);
                nextUpload = DateTime.UtcNow.AddSeconds(1);
            }

            deadline.WaitHandle.WaitOne(10);
        }

        Forward(sensors);
        if (!store.FlushForShutdown())
        {
            _problem = "the shutdown flush ran out of its budget";
        }

        _stats = store.GetStats();
        _unsent = sensors.Sum(s => s.GetStats().UnsentRecords);
    }

    /// <summary>The next unsent record; false when none, or when the disk read failed (kept, read again next round; reported).</summary>
    private bool TryConsumeNext(SensorLog sensor, out SensorRecord record)
    {
        try
        {
            return sensor.TryConsumeNext(out record);
        }
        catch (IOException e)
        {
            _problem ??= e.Message;
            record = default;
            return false;
        }
    }

    /// <summary>Consumes every unsent record, writes them to one durable Parquet file, then erases them from the store.</summary>
    private void Forward(List<SensorLog> sensors)
    {
        var source = new List<string?>();
        var id = new List<long>();
        var kind = new List<string?>();
        var index = new List<long>();
        var value = new List<long>();
        var time = new List<long>();
        var present = new List<byte>();
        foreach (SensorLog sensor in sensors)
        {
            while (TryConsumeNext(sensor, out SensorRecord record))
            {
                source.Add(SensorNames.Of(sensor.Source));
                id.Add(sensor.SensorId);
                kind.Add(sensor.Type == SensorType.Event ? "event" : "time_series");
                index.Add((long)record.Index);
                value.Add(record.Value);
                present.Add(sensor.Type == SensorType.Event ? (byte)1 : (byte)0);
                if (sensor.Type == SensorType.Event)
                {
                    time.Add((long)record.TimestampMs);
                }
            }
        }

        if (index.Count == 0)
        {
            return;
        }

        string path = Path.Combine(_forwardedDirectory, $"batch-{_batches:D5}.parquet");
        var options = new ParquetWriterOptions { Compression = compression, Profile = profile };
        // The file is under its final name only once complete and fsynced, with its directory: the acknowledgement.
        Storage.Default.ReplaceAtomically(path, stream =>
        {
            using var writer = new ParquetFileWriter(stream, s_schema, options, leaveOpen: true);
            using (RowGroupWriter rows = writer.BeginRowGroup())
            {
                rows.WriteStrings(0, source.ToArray());
                rows.WriteColumn<long>(1, id.ToArray());
                rows.WriteStrings(2, kind.ToArray());
                rows.WriteColumn<long>(3, index.ToArray());
                rows.WriteColumn<long>(4, value.ToArray());
                rows.WriteColumn<long>(5, time.ToArray(), present.ToArray());
            }

            writer.Close();
        });
        foreach (SensorLog sensor in sensors)
        {
            sensor.AcknowledgePending();
        }

        _batches++;
        _forwarded += index.Count;
    }

    public bool Describe(StringBuilder summary)
    {
        summary.AppendLine(CultureInfo.InvariantCulture, $"sensor store: {sensorCount} sensors added {Added:N0} records ({_refused:N0} refused); {_forwarded:N0} forwarded in {SystemDemo.Count(_batches, "batch", "batches")} and erased only once their file was on disk, {_unsent:N0} left unsent");
        summary.AppendLine(CultureInfo.InvariantCulture, $"  store       {_storeDirectory} ({FileReport.Bytes(_stats?.DiskBytesUsed ?? 0)} on disk; pqflow store stats --dir {_storeDirectory})");
        summary.AppendLine(CultureInfo.InvariantCulture, $"  forwarded   {_forwardedDirectory} ({SystemDemo.Count(_batches, "Parquet file")}, what an uploader would publish over MQTT: pqflow store upload)");
        summary.AppendLine(CultureInfo.InvariantCulture, $"  read it:    duckdb -c \"SELECT source, kind, count(*) AS records, min(value), max(value) FROM '{_forwardedDirectory}/*.parquet' GROUP BY ALL ORDER BY ALL\"");
        string? problem = _problem ?? (_refused > 0 ? $"{_refused} records were refused" : _forwarded + _unsent != Added ? $"{Added - _forwarded - _unsent} records are neither forwarded nor in the store" : null);
        if (problem is not null)
        {
            summary.AppendLine(CultureInfo.InvariantCulture, $"  NOT STORED: {problem}");
        }

        summary.AppendLine();
        return problem is null;
    }
}
