namespace ParquetFlow.SensorStore;

/// <summary>
/// Result of the store's errno-style calls, which the <c>ss_*</c> C exports (ParquetFlow.Native) return unchanged: the
/// numeric values are the document's return codes (0 or a negated Linux errno). Internal: .NET callers get the Try
/// methods and exceptions instead.
/// </summary>
internal enum StoreResult
{
    /// <summary>Success (0).</summary>
    Ok = 0,

    /// <summary>-EIO: a disk read or write failed; the data stays in RAM and is retried. From a consume: a read failed,
    /// or the next records lie past the durable index reservation whose meta write failed; they are handed out once
    /// the disk takes the meta.</summary>
    IoError = -5,

    /// <summary>-EAGAIN: nothing to do now, try later (for example: no unsent record to consume).</summary>
    TryAgain = -11,

    /// <summary>-EEXIST: the sensor exists with another record type.</summary>
    Exists = -17,

    /// <summary>-EINVAL: bad argument (wrong record type for the sensor, bad option, store not initialized).</summary>
    InvalidArgument = -22,

    /// <summary>-ENOSPC: no room; the write was dropped and counted (or no sensor slot is left).</summary>
    NoSpace = -28,

    /// <summary>-ERANGE: a diagnostic offset beyond the retained records.</summary>
    OutOfRange = -34,
}
