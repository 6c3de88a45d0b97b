using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Cli.Inspect;

/// <summary>
/// Turns PLAIN-encoded statistic values into text by the column's physical and logical type. Any bytes give text
/// (a value that does not fit its type is shown raw), since they come from files this tool did not write.
/// </summary>
internal static class StatisticFormatter
{
    /// <summary>Seconds from the Unix epoch to the first and the last second a <see cref="DateTime"/> holds.</summary>
    private static readonly long s_minSeconds = (DateTime.MinValue - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond;
    private static readonly long s_maxSeconds = (DateTime.MaxValue - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond;
    private static readonly int s_epochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    public static string Format(ColumnDescriptor column, byte[]? value)
    {
        if (value is null)
        {
            return string.Empty;
        }

        LogicalType? logical = column.LogicalType;
        CultureInfo inv = CultureInfo.InvariantCulture;
        switch (column.PhysicalType)
        {
            case PhysicalType.Boolean:
                return value.Length > 0 && value[0] != 0 ? "true" : "false";
            case PhysicalType.Int32 when value.Length >= 4:
            {
                int v = BinaryPrimitives.ReadInt32LittleEndian(value);
                return logical?.Kind switch
                {
                    LogicalTypeKind.Date => Date(v),
                    LogicalTypeKind.Decimal => Scaled(v, logical.Scale),
                    LogicalTypeKind.Integer when !logical.IsSigned => ((uint)v).ToString(inv),
                    _ => v.ToString(inv),
                };
            }

            case PhysicalType.Int64 when value.Length >= 8:
            {
                long v = BinaryPrimitives.ReadInt64LittleEndian(value);
                return logical?.Kind switch
                {
                    LogicalTypeKind.Timestamp => Timestamp(v, logical),
                    LogicalTypeKind.Decimal => Scaled(v, logical.Scale),
                    LogicalTypeKind.Integer when !logical.IsSigned => ((ulong)v).ToString(inv),
                    _ => v.ToString(inv),
                };
            }

            case PhysicalType.Float when value.Length >= 4:
                return BinaryPrimitives.ReadSingleLittleEndian(value).ToString("G9", inv);
            case PhysicalType.Double when value.Length >= 8:
                return BinaryPrimitives.ReadDoubleLittleEndian(value).ToString("G17", inv);
            case PhysicalType.FixedLenByteArray when logical?.Kind == LogicalTypeKind.Decimal && value.Length <= 64:
                return Scaled(new BigInteger(value, isUnsigned: false, isBigEndian: true), logical.Scale);
            case PhysicalType.FixedLenByteArray when logical?.Kind == LogicalTypeKind.Uuid && value.Length == 16:
                return new Guid(value, bigEndian: true).ToString();
            default:
                if (logical?.Kind is LogicalTypeKind.String or LogicalTypeKind.Json or LogicalTypeKind.Enum || IsPrintable(value))
                {
                    string text = Encoding.UTF8.GetString(value).TrimEnd('\0');
                    return "\"" + (text.Length > 32 ? text[..32] + "…" : text) + "\"";
                }

                return "0x" + Convert.ToHexString(value.AsSpan(0, Math.Min(value.Length, 16))) + (value.Length > 16 ? "…" : string.Empty);
        }
    }

    private static bool IsPrintable(byte[] value) => value.Length > 0 && value.All(b => b == 0 || (b >= 0x20 && b < 0x7F));

    private static string Date(int days)
    {
        long day = (long)s_epochDay + days;
        return day >= DateOnly.MinValue.DayNumber && day <= DateOnly.MaxValue.DayNumber
            ? DateOnly.FromDayNumber((int)day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : days.ToString(CultureInfo.InvariantCulture);
    }

    private static string Scaled(BigInteger unscaled, int scale)
    {
        // A scale no decimal type has (the footer's precision and scale are the file's word) shows the unscaled value.
        if (scale is < 0 or > 1000)
        {
            return unscaled.ToString(CultureInfo.InvariantCulture) + "e-" + scale.ToString(CultureInfo.InvariantCulture);
        }

        string digits = BigInteger.Abs(unscaled).ToString(CultureInfo.InvariantCulture).PadLeft(scale + 1, '0');
        string sign = unscaled.Sign < 0 ? "-" : string.Empty;
        return scale == 0 ? sign + digits : $"{sign}{digits[..^scale]}.{digits[^scale..]}";
    }

    /// <summary>ISO 8601 with every digit of the unit: three for millis, six for micros, nine for nanos (trailing zeros kept).</summary>
    private static string Timestamp(long v, LogicalType type)
    {
        (long perSecond, string digits) = type.Unit switch
        {
            TimeUnit.Millis => (1_000L, "000"),
            TimeUnit.Micros => (1_000_000L, "000000"),
            TimeUnit.Nanos => (1_000_000_000L, "000000000"),
            _ => (0L, string.Empty),
        };
        if (perSecond == 0)
        {
            return v.ToString(CultureInfo.InvariantCulture);
        }

        long seconds = Math.DivRem(v, perSecond, out long fraction);
        if (fraction < 0)
        {
            seconds--;
            fraction += perSecond;
        }

        if (seconds < s_minSeconds || seconds > s_maxSeconds)
        {
            return v.ToString(CultureInfo.InvariantCulture);
        }

        DateTime t = DateTime.UnixEpoch.AddTicks(seconds * TimeSpan.TicksPerSecond);
        string text = t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." + fraction.ToString(digits, CultureInfo.InvariantCulture);
        return type.IsAdjustedToUtc ? text + "Z" : text;
    }
}
