namespace ParquetFlow.Collector.Framing;

/// <summary>
/// One decoded packet: a time, a source, a command and <see cref="Count"/> (register offset, value) pairs.
/// Its buffers grow to the largest packet seen and are then reused, so one instance per connection decodes every
/// frame without allocating, and an idle connection costs almost nothing. Not thread-safe.
/// </summary>
public sealed class RackPacket
{
    /// <summary>Registers in a source's image, and the most a packet may carry.</summary>
    public const int MaxRegisters = 65_536;

    private ushort[] _control = new ushort[16];
    private ushort[] _data = new ushort[16];

    /// <summary>Sender's time in microseconds since the Unix epoch.</summary>
    public long TimestampUs { get; set; }

    /// <summary>Kind of source (the simple framing's racks are <see cref="SourceType.Rack"/>).</summary>
    public SourceType SourceType { get; set; }

    /// <summary>Source number: the rack of the simple framing, the <c>src_id</c> of the packet framing.</summary>
    public int SourceId { get; set; }

    /// <summary>What the packet asks for.</summary>
    public PacketCommand Command { get; set; }

    /// <summary>Per-source sequence number (0..255), or -1 when the framing carries none.</summary>
    public int Sequence { get; set; } = -1;

    /// <summary>Packet framing flags (replies only: <see cref="PacketFraming.UnknownSourceFlag"/>).</summary>
    public byte Flags { get; set; }

    /// <summary>Number of registers.</summary>
    public int Count { get; private set; }

    /// <summary>Register offsets.</summary>
    public Span<ushort> Control => _control.AsSpan(0, Count);

    /// <summary>Register values (empty for a query).</summary>
    public Span<ushort> Data => Command == PacketCommand.Query ? [] : _data.AsSpan(0, Count);

    /// <summary>Register offsets, as memory (a column batch for the Parquet output refers to it while it is logged).</summary>
    public ReadOnlyMemory<ushort> ControlMemory => _control.AsMemory(0, Count);

    /// <summary>Register values as memory (empty for a query).</summary>
    public ReadOnlyMemory<ushort> DataMemory => Command == PacketCommand.Query ? ReadOnlyMemory<ushort>.Empty : _data.AsMemory(0, Count);

    /// <summary>Sets the register count; the spans then expose that many entries to fill.</summary>
    public void SetCount(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxRegisters);
        if (count > _control.Length)
        {
            int capacity = Math.Min(MaxRegisters, Math.Max(count, _control.Length * 2));
            _control = new ushort[capacity];
            _data = new ushort[capacity];
        }

        Count = count;
    }

    /// <summary>
    /// Gives back buffers far larger than <paramref name="largestRecent"/>, the most registers of the recent packets:
    /// a connection that once sent a 65,536-register frame does not keep 256 KiB for the rest of its life.
    /// </summary>
    public void Shrink(int largestRecent)
    {
        int keep = Math.Max(16, largestRecent);
        if (_control.Length > 1024 && _control.Length > 4 * keep)
        {
            Array.Resize(ref _control, keep);
            Array.Resize(ref _data, keep);
            Count = Math.Min(Count, keep);
        }
    }

    /// <summary>Capacity of the register buffers (for tests of <see cref="Shrink"/>).</summary>
    internal int Capacity => _control.Length;
}
