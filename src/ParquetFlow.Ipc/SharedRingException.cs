namespace ParquetFlow.Ipc;

/// <summary>A SharedRing operation that cannot proceed: schema mismatch on reattach, a live producer, a full consumer table.</summary>
public sealed class SharedRingException : IOException
{
    /// <summary>Creates the exception with its reason.</summary>
    public SharedRingException(string message)
        : base(message)
    {
    }
}
