using System.Globalization;
using System.Numerics;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Interop.Tests;

/// <summary>The CLR form a value is handed to the writer in (and the form ParquetSharp's physical values are turned back into).</summary>
internal enum ValueKind
{
    Bool,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Int96,
    Float,
    Double,
    Bytes,
    Text,
    Fixed,
}

/// <summary>
/// One column shape of the interop matrix: how to declare it, how to generate values, and what each reader is
/// expected to report for a written value, as a canonical string (null = SQL null). <see cref="Canon"/> is the
/// exact form (ParquetSharp reads physical values, so it must match bit for bit); <see cref="DuckCanon"/> and
/// <see cref="NetCanon"/> are the same value at the precision those readers offer.
/// </summary>
internal sealed record ColumnCase
{
    public required string Name { get; init; }

    public required ValueKind Kind { get; init; }

    public required Func<string, bool, ColumnDescriptor> Describe { get; init; }

    public required Func<Random, object> Generate { get; init; }

    public Func<object, string> Canon { get; init; } = DefaultCanon;

    /// <summary>SQL selecting the column in DuckDB; {0} is the quoted column name.</summary>
    public string DuckExpression { get; init; } = "{0}";

    public Func<object, string>? DuckCanonOverride { get; init; }

    public Func<object, string>? NetCanonOverride { get; init; }

    /// <summary>Turns a Parquet.Net CLR value into the canonical string.</summary>
    public Func<object, string> FromNet { get; init; } = DefaultCanon;

    /// <summary>DuckDB's <c>DESCRIBE</c> type.</summary>
    public required string DuckType { get; init; }

    /// <summary>ParquetSharp's physical/logical type as <see cref="ReaderTypes.Describe"/> formats it.</summary>
    public required string SharpType { get; init; }

    /// <summary>Parquet.Net's <c>DataField.ClrType</c>.</summary>
    public required Type NetType { get; init; }

    /// <summary>False where Parquet.Net reports no min/max although the file has them (FIXED_LEN_BYTE_ARRAY, UUID).</summary>
    public bool NetHasMinMax { get; init; } = true;

    /// <summary>Statistics order of non-null values; null when the type has none (INT96).</summary>
    public Comparison<object>? Order { get; init; }

    /// <summary>Turns DuckDB's <c>parquet_metadata</c> stats_min_value/stats_max_value text into the canonical string; null to skip.</summary>
    public Func<string, string>? FromDuckStat { get; init; }

    /// <summary>True for FLOAT/DOUBLE: NaN is left out of min/max and -0 equals +0 there.</summary>
    public bool IsFloatingPoint => Kind is ValueKind.Float or ValueKind.Double;

    public string DuckCanon(object value) => (DuckCanonOverride ?? Canon)(value);

    public string NetCanon(object value) => (NetCanonOverride ?? Canon)(value);

    public static string DefaultCanon(object value) => value switch
    {
        bool b => b ? "1" : "0",
        float f => FloatCanon(f),
        double d => DoubleCanon(d),
        byte[] bytes => Convert.ToHexString(bytes),
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    public static string FloatCanon(float f) => float.IsNaN(f) ? "NaN" : "f" + BitConverter.SingleToInt32Bits(f).ToString("X8", CultureInfo.InvariantCulture);

    public static string DoubleCanon(double d) => double.IsNaN(d) ? "NaN" : "d" + BitConverter.DoubleToInt64Bits(d).ToString("X16", CultureInfo.InvariantCulture);

    /// <summary>Decimal text with <paramref name="scale"/> digits after the point, as DuckDB prints it.</summary>
    public static string DecimalText(BigInteger unscaled, int scale)
    {
        if (scale == 0)
        {
            return unscaled.ToString(CultureInfo.InvariantCulture);
        }

        string digits = BigInteger.Abs(unscaled).ToString(CultureInfo.InvariantCulture).PadLeft(scale + 1, '0');
        string text = digits[..^scale] + "." + digits[^scale..];
        return unscaled.Sign < 0 ? "-" + text : text;
    }

    /// <summary>Big-endian two's complement of <paramref name="bytes"/> bytes (FIXED_LEN_BYTE_ARRAY decimals).</summary>
    public static byte[] ToBigEndian(BigInteger value, int bytes)
    {
        byte[] result = new byte[bytes];
        byte[] minimal = value.ToByteArray(isUnsigned: false, isBigEndian: true);
        byte fill = value.Sign < 0 ? (byte)0xFF : (byte)0;
        result.AsSpan(0, bytes - minimal.Length).Fill(fill);
        minimal.CopyTo(result, bytes - minimal.Length);
        return result;
    }

    public static BigInteger FromBigEndian(byte[] bytes) => new(bytes, isUnsigned: false, isBigEndian: true);
}
