using System.Runtime.InteropServices;

namespace ParquetFlow.Parquet;

/// <summary>
/// A 12-byte INT96 value as Impala and Spark store legacy timestamps: nanoseconds within the day (8 bytes)
/// followed by the Julian day number (4 bytes), little-endian.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
public readonly record struct Int96(ulong NanosOfDay, uint JulianDay)
{
    private const uint UnixEpochJulianDay = 2_440_588;
    private const long NanosPerDay = 86_400_000_000_000;

    /// <summary>The INT96 form of a UTC instant given as nanoseconds since the Unix epoch.</summary>
    public static Int96 FromUnixNanoseconds(long nanos)
    {
        long days = Math.DivRem(nanos, NanosPerDay, out long within);
        if (within < 0)
        {
            within += NanosPerDay;
            days--;
        }

        return new Int96((ulong)within, (uint)(days + UnixEpochJulianDay));
    }

    /// <summary>Nanoseconds since the Unix epoch.</summary>
    public long ToUnixNanoseconds() => ((JulianDay - (long)UnixEpochJulianDay) * NanosPerDay) + (long)NanosOfDay;
}
