namespace ParquetFlow.PowerCut;

/// <summary>What one durable component's cuts found: the figures the campaign prints, and the first problems in words.</summary>
internal sealed class Tally(string component)
{
    private readonly List<string> _examples = [];

    public string Component { get; } = component;

    public int Cuts { get; set; }

    /// <summary>Records the component reported durable before its cuts (summed over the cuts).</summary>
    public long Promised { get; set; }

    /// <summary>Promised records missing after the restart: must be 0.</summary>
    public long Lost { get; private set; }

    /// <summary>Corrupt, duplicated, out-of-order or unexpected results, failed restarts: must be 0.</summary>
    public long Anomalies { get; private set; }

    /// <summary>Records found that were never promised (unsynced writes that made it): fine, shown for information.</summary>
    public long Extra { get; set; }

    /// <summary>A figure worth printing that is no failure (a known limitation, say).</summary>
    public Dictionary<string, long> Notes { get; } = [];

    public IReadOnlyList<string> Examples => _examples;

    public void AddLost(long count, string what)
    {
        if (count <= 0)
        {
            return;
        }

        Lost += count;
        Example(what);
    }

    public void AddAnomaly(string what)
    {
        Anomalies++;
        Example(what);
    }

    public void Note(string what, long count)
    {
        if (count != 0)
        {
            Notes[what] = Notes.GetValueOrDefault(what) + count;
        }
    }

    private void Example(string what)
    {
        if (_examples.Count < 5)
        {
            _examples.Add(what);
        }
    }
}
