using System.Runtime.CompilerServices;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Sink;

namespace ParquetFlow.Collector.Output;

/// <summary>
/// A DIFF or FULL packet as the column batch of <see cref="ParquetOutput.Layout"/>: the packet's time, source and
/// sequence as values every row shares, its register offsets and values as they arrived (<c>ushort</c>, widened to the
/// Int32 columns by the sink's writer thread). Lives on the stack: logging a packet allocates nothing.
/// </summary>
[InlineArray(6)]
internal struct PacketColumns
{
    private ColumnValues _first;

    /// <summary>The columns of <paramref name="packet"/>, in the layout's order.</summary>
    public static PacketColumns Of(RackPacket packet)
    {
        var columns = default(PacketColumns);
        columns[0] = ColumnValues.Repeated(packet.TimestampUs);
        columns[1] = ColumnValues.Repeated((int)packet.SourceType);
        columns[2] = ColumnValues.Repeated(packet.SourceId);
        columns[3] = ColumnValues.Repeated(packet.Sequence);
        columns[4] = ColumnValues.Dense(packet.ControlMemory);
        columns[5] = ColumnValues.Dense(packet.DataMemory);
        return columns;
    }
}
