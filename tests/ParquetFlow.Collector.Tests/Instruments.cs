using System.Diagnostics.Metrics;
using ParquetFlow.Collector.Server;

namespace ParquetFlow.Collector.Tests;

/// <summary>
/// Reads one server's <see cref="CollectorServer.Meter"/> the way any System.Diagnostics.Metrics listener does, keyed
/// by the Prometheus name the exporter gives each instrument (counters with <c>_total</c>).
/// </summary>
internal static class Instruments
{
    public static Dictionary<string, long> Read(CollectorServer server)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, server.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            values.Add(instrument is ObservableCounter<long> ? instrument.Name + "_total" : instrument.Name, value));
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    public static long Read(CollectorServer server, string name) =>
        Read(server).TryGetValue(name, out long value) ? value : throw new KeyNotFoundException($"no instrument {name}");
}
