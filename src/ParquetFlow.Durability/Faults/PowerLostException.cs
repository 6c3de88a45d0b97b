namespace ParquetFlow.Durability.Faults;

/// <summary>Thrown by every call through a <see cref="FaultyStorage"/> whose power was cut: to the component, the disk is gone.</summary>
public sealed class PowerLostException : IOException
{
    public PowerLostException(string message)
        : base(message, 5)
    {
    }
}
