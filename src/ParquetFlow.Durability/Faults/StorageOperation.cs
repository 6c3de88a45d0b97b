namespace ParquetFlow.Durability.Faults;

/// <summary>A call through the storage seam, as <see cref="FaultyStorage"/> counts and matches them.</summary>
public enum StorageOperation
{
    Open,
    Read,
    Write,
    SetLength,
    Allocate,
    Sync,
    Move,
    Delete,
    SyncDirectory,
    CreateDirectory,
}
