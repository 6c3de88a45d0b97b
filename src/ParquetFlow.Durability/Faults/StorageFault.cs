namespace ParquetFlow.Durability.Faults;

/// <summary>A fault to inject: its kind and, for a short write, how many bytes still reach the file.</summary>
public sealed record StorageFault(StorageFaultKind Kind, int ShortWriteBytes = 0)
{
    /// <summary>EIO: the disk failed to read or write.</summary>
    public static StorageFault IOError { get; } = new(StorageFaultKind.IOError);

    /// <summary>ENOSPC: the disk is full.</summary>
    public static StorageFault DiskFull { get; } = new(StorageFaultKind.DiskFull);

    /// <summary>Power is lost at the call.</summary>
    public static StorageFault PowerCut { get; } = new(StorageFaultKind.PowerCut);

    /// <summary>A write that stores its first <paramref name="bytes"/> bytes and fails with ENOSPC.</summary>
    public static StorageFault ShortWrite(int bytes) => new(StorageFaultKind.ShortWrite, bytes);
}
