namespace ParquetFlow.Durability.Faults;

/// <summary>What an injected fault does to the call it hits.</summary>
public enum StorageFaultKind
{
    /// <summary>The call fails with EIO and does nothing.</summary>
    IOError,

    /// <summary>The call fails with ENOSPC and does nothing.</summary>
    DiskFull,

    /// <summary>A write stores only a prefix of its bytes, then fails with ENOSPC (other calls: as <see cref="DiskFull"/>).</summary>
    ShortWrite,

    /// <summary>The machine loses power at this call: it and every later call fail with <see cref="PowerLostException"/>.</summary>
    PowerCut,
}
