namespace ParquetFlow.Durability;

/// <summary>An fsync failed, now or earlier on the same file: what was written to it since its last good fsync may be lost.</summary>
public sealed class FsyncFailedException : IOException
{
    public FsyncFailedException(string path, string message, Exception? inner = null)
        : base(message, inner)
    {
        FilePath = path;
    }

    /// <summary>The file that can no longer be made durable.</summary>
    public string FilePath { get; }
}
