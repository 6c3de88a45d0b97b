namespace ParquetFlow.Ipc;

/// <summary>A file or shared-memory segment is not a ring this library can open: wrong magic, version, geometry or length.</summary>
public sealed class InvalidRingFileException : IOException
{
    /// <summary>Creates the exception for <paramref name="path"/> with the byte offset of the offending field.</summary>
    public InvalidRingFileException(string path, long offset, string reason)
        : base($"{path}: not a valid ring (at byte {offset}): {reason}")
    {
        Path = path;
        Offset = offset;
        Reason = reason;
    }

    /// <summary>The file that failed validation.</summary>
    public string Path { get; }

    /// <summary>Byte offset of the field that failed validation.</summary>
    public long Offset { get; }

    /// <summary>What is wrong, in words.</summary>
    public string Reason { get; }
}
