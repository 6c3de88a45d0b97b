namespace ParquetFlow.Collector.Framing;

/// <summary>What a packet asks of the collector (the source document's <c>DataCommand</c>, plus the query pair).</summary>
public enum PacketCommand : byte
{
    /// <summary>Apply the listed registers to the source's image.</summary>
    Diff = 0,

    /// <summary>Replace the source's image: listed registers take their values, all others become 0.</summary>
    Full = 1,

    /// <summary>Ask for the values of the listed registers (no data section).</summary>
    Query = 2,

    /// <summary>The collector's answer to a query: the asked registers and their values.</summary>
    QueryReply = 3,
}
