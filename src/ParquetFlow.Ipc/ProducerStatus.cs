namespace ParquetFlow.Ipc;

/// <summary>The producer of a SharedRing as a consumer sees it.</summary>
public enum ProducerStatus
{
    /// <summary>No producer has attached since the segment was created.</summary>
    None,

    /// <summary>Attached, its process exists and its heartbeat is under 2 s old.</summary>
    Live,

    /// <summary>Attached and its process exists, but no heartbeat for 2 s (stopped, or hung).</summary>
    Stalled,

    /// <summary>Attached, but its process is gone without closing: it died. A new producer may reattach.</summary>
    Dead,

    /// <summary>Detached cleanly. A new producer may reattach.</summary>
    Closed,
}
