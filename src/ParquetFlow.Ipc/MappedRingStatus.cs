namespace ParquetFlow.Ipc;

/// <summary>Outcome of reading or peeking a <see cref="MappedRing"/> slot.</summary>
public enum MappedRingStatus
{
    /// <summary>A whole slot whose length and CRC check out was returned.</summary>
    Ok,

    /// <summary>No unread slot.</summary>
    Empty,

    /// <summary>The slot's sequence, length or CRC does not match: torn by a crash. No data is returned.</summary>
    Torn,

    /// <summary>The destination is shorter than the slot's payload; nothing was consumed.</summary>
    DestinationTooSmall,
}
