using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Cli.Inspect;

/// <summary>Turns PLAIN-encoded statistic values into text by the column's physical and logical type.</summary>
internal static class StatisticFormatter
{
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
                    LogicalTypeKind.Date => DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + v).ToString("yyyy-MM-dd", inv),
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
            case PhysicalType.FixedLenByteArray when logical?.Kind == LogicalTypeKind.Decimal:
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

    private static string Scaled(BigInteger unscaled, int scale)
    {
        string digits = BigInteger.Abs(unscaled).ToString(CultureInfo.InvariantCulture).PadLeft(scale + 1, '0');
        string sign = unscaled.Sign < 0 ? "-" : string.Empty;
        return scale == 0 ? sign + digits : $"{sign}{digits[..^scale]}.{digits[^scale..]}";
    }

    private static string Timestamp(long v, LogicalType type)
    {
        (long ticks, string fraction) = type.Unit switch
        {
            TimeUnit.Millis => (v * TimeSpan.TicksPerMillisecond, string.Empty),
            TimeUnit.Micros => (v * 10, string.Empty),
            _ => (Math.DivRem(v, 100, out long rem) , rem == 0 ? string.Empty : Math.Abs(rem).ToString("00", CultureInfo.InvariantCulture)),
        };
        try
        {
            DateTime t = DateTime.UnixEpoch.AddTicks(ticks);
            string text = t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + fraction;
            return type.IsAdjustedToUtc ? text + "Z" : text;
        }
        catch (ArgumentOutOfRangeException)
        {
            return v.ToString(CultureInfo.InvariantCulture);
        }
    }
}
