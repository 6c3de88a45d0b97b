namespace ParquetFlow.Ipc;

/// <summary>Outcome of <see cref="SharedRingConsumer.TryRead"/>.</summary>
public enum SharedRingReadStatus
{
    /// <summary>A whole row was copied; the cursor moved past it.</summary>
    Row,

    /// <summary>The next row is not published yet.</summary>
    Empty,

    /// <summary>The producer overwrote rows this consumer had not read; the cursor jumped to the oldest row still
    /// intact and the number of rows skipped is reported. Nothing was copied.</summary>
    Lapped,
}
