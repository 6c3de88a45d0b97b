using System.Globalization;
using System.Numerics;
using System.Text;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Schema;
using PfLogicalType = ParquetFlow.Parquet.LogicalType;
using PfTimeUnit = ParquetFlow.Parquet.TimeUnit;

namespace ParquetFlow.Interop.Tests;

/// <summary>Every column shape the interop tests write: each physical type and each logical annotation.</summary>
internal static class ColumnCases
{
    private const long TicksPerMilli = 10_000;
    private const long UnixEpochTicks = 621_355_968_000_000_000;

    // .NET DateTime (Parquet.Net's mapping) spans 0001-01-01 .. 9999-12-31; timestamps stay inside it.
    private const long MinMillis = -62_135_596_800_000;
    private const long MaxMillis = 253_402_300_799_999;
    private const int MinDays = -719_162;
    private const long NanoLimit = 9_223_000_000_000_000_000;
    private const int MaxDays = 2_932_896;

    private static readonly string[] s_texts =
    [
        string.Empty, "a", "AAPL", "MSFT", "héllo", "naïve café", "日本語テキスト", "Ελληνικά", "emoji 😀🚀", "𝄞 clef",
        "Zürich", "москва", "\u0000nul inside", "tab\tand\nnewline", "€uro", "中", "ÿ", "~", "0", "zzz",
    ];

    private static readonly string[] s_json =
    [
        "{}", "[]", "null", "{\"a\":1}", "{\"name\":\"Zoë\",\"tags\":[\"x\",\"y\"]}", "[1,2.5,-3e10]", "\"日本\"", "{\"nested\":{\"b\":true}}",
    ];

    private static readonly string[] s_enums = ["BUY", "SELL", "HOLD", "CANCEL"];

    public static IReadOnlyList<ColumnCase> All { get; } = Build();

    private static List<ColumnCase> Build()
    {
        var cases = new List<ColumnCase>
        {
            new()
            {
                Name = "bool", Kind = ValueKind.Bool, Describe = (n, o) => ColumnDescriptor.Boolean(n, o),
                Generate = r => r.Next(4) != 0, DuckType = "BOOLEAN", SharpType = "Boolean", NetType = typeof(bool),
                Order = (a, b) => ((bool)a).CompareTo((bool)b), FromDuckStat = s => s == "true" ? "1" : "0",
            },
            new()
            {
                Name = "i32", Kind = ValueKind.Int32, Describe = (n, o) => ColumnDescriptor.Int32(n, o),
                Generate = r => (int)Int(r, int.MinValue, int.MaxValue), DuckType = "INTEGER", SharpType = "Int32", NetType = typeof(int),
                Order = Compare<int>, FromDuckStat = s => s,
            },
            new()
            {
                Name = "i64", Kind = ValueKind.Int64, Describe = (n, o) => ColumnDescriptor.Int64(n, o),
                Generate = r => Int(r, long.MinValue, long.MaxValue), DuckType = "BIGINT", SharpType = "Int64", NetType = typeof(long),
                Order = Compare<long>, FromDuckStat = s => s,
            },
            new()
            {
                Name = "i96", Kind = ValueKind.Int96, Describe = (n, o) => ColumnDescriptor.Int96(n, o),
                // DuckDB converts INT96 through nanosecond timestamps, so the days stay within 1678..2261.
                Generate = r => new Int96((ulong)r.NextInt64(86_400_000_000_000), (uint)r.Next(2_334_000, 2_547_000)),
                Canon = v => $"{((Int96)v).JulianDay}:{((Int96)v).NanosOfDay}",

                // DuckDB reads INT96 as a microsecond TIMESTAMP (rounding down) and Parquet.Net as a DateTime (100 ns ticks).
                DuckExpression = "epoch_us({0})",
                DuckCanonOverride = v => FloorDiv(((Int96)v).ToUnixNanoseconds(), 1000).ToString(CultureInfo.InvariantCulture),
                NetCanonOverride = v => FloorDiv(((Int96)v).ToUnixNanoseconds(), 100).ToString(CultureInfo.InvariantCulture),
                FromNet = v => (((DateTime)v).Ticks - UnixEpochTicks).ToString(CultureInfo.InvariantCulture),
                DuckType = "TIMESTAMP", SharpType = "Int96", NetType = typeof(DateTime), Order = null,
            },
            new()
            {
                Name = "f32", Kind = ValueKind.Float, Describe = (n, o) => ColumnDescriptor.Float(n, o),
                Generate = GenerateFloat, DuckType = "FLOAT", SharpType = "Float", NetType = typeof(float),
                Order = (a, b) => ((float)a).CompareTo((float)b),
                FromDuckStat = s => ColumnCase.FloatCanon(NormalizeZero(float.Parse(s, CultureInfo.InvariantCulture))),
            },
            new()
            {
                Name = "f64", Kind = ValueKind.Double, Describe = (n, o) => ColumnDescriptor.Double(n, o),
                Generate = GenerateDouble, DuckType = "DOUBLE", SharpType = "Double", NetType = typeof(double),
                Order = (a, b) => ((double)a).CompareTo((double)b),
                FromDuckStat = s => ColumnCase.DoubleCanon(NormalizeZero(double.Parse(s, CultureInfo.InvariantCulture))),
            },
            new()
            {
                Name = "bytes", Kind = ValueKind.Bytes, Describe = (n, o) => ColumnDescriptor.ByteArray(n, o),
                Generate = r => RandomBytes(r, r.Next(4) == 0 ? 0 : r.Next(0, 24)),
                DuckExpression = "hex({0})", DuckType = "BLOB", SharpType = "ByteArray", NetType = typeof(ReadOnlyMemory<byte>),
                Order = CompareBytes,
            },
            new()
            {
                Name = "str", Kind = ValueKind.Text, Describe = (n, o) => ColumnDescriptor.String(n, o),
                Generate = r => r.Next(3) == 0 ? s_texts[r.Next(s_texts.Length)] + r.Next(1000).ToString(CultureInfo.InvariantCulture) : s_texts[r.Next(s_texts.Length)],
                DuckType = "VARCHAR", SharpType = "ByteArray/String", NetType = typeof(ReadOnlyMemory<char>),
                Order = (a, b) => Encoding.UTF8.GetBytes((string)a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes((string)b)),
                FromDuckStat = s => s,
            },
            new()
            {
                Name = "flba", Kind = ValueKind.Fixed, Describe = (n, o) => ColumnDescriptor.FixedLenByteArray(n, 7, o),
                Generate = r => r.Next(8) == 0 ? new byte[7] : RandomBytes(r, 7),
                DuckExpression = "hex({0})", DuckType = "BLOB", SharpType = "FixedLenByteArray(7)", NetType = typeof(ReadOnlyMemory<byte>), NetHasMinMax = false,
                Order = CompareBytes,
            },
            IntCase("int8", 8, true, sbyte.MinValue, sbyte.MaxValue, "TINYINT", typeof(sbyte)),
            IntCase("int16", 16, true, short.MinValue, short.MaxValue, "SMALLINT", typeof(short)),
            IntCase("int32", 32, true, int.MinValue, int.MaxValue, "INTEGER", typeof(int)),
            new()
            {
                Name = "int64", Kind = ValueKind.Int64, Describe = (n, o) => ColumnDescriptor.Int64(n, o, PfLogicalType.Integer(64, true)),
                Generate = r => Int(r, long.MinValue, long.MaxValue), DuckType = "BIGINT", SharpType = "Int64/Int(64,True)", NetType = typeof(long),
                Order = Compare<long>, FromDuckStat = s => s,
            },
            IntCase("uint8", 8, false, 0, byte.MaxValue, "UTINYINT", typeof(byte)),
            IntCase("uint16", 16, false, 0, ushort.MaxValue, "USMALLINT", typeof(ushort)),
            new()
            {
                Name = "uint32", Kind = ValueKind.UInt32, Describe = (n, o) => ColumnDescriptor.Int32(n, o, PfLogicalType.Integer(32, false)),
                Generate = r => (uint)Int(r, 0, uint.MaxValue), DuckType = "UINTEGER", SharpType = "Int32/Int(32,False)", NetType = typeof(uint),

                // Parquet.Net gives the statistics of unsigned columns as the signed physical type.
                FromNet = v => v is int i ? ((uint)i).ToString(CultureInfo.InvariantCulture) : ColumnCase.DefaultCanon(v),
                Order = Compare<uint>, FromDuckStat = s => s,
            },
            new()
            {
                Name = "uint64", Kind = ValueKind.UInt64, Describe = (n, o) => ColumnDescriptor.Int64(n, o, PfLogicalType.Integer(64, false)),
                Generate = r => r.Next(10) switch { 0 => 0UL, 1 => ulong.MaxValue, 2 => (ulong)r.Next(100), 3 => (ulong)long.MaxValue + 1, _ => (ulong)r.NextInt64() * 2 + (ulong)r.Next(2) },
                DuckType = "UBIGINT", SharpType = "Int64/Int(64,False)", NetType = typeof(ulong),
                FromNet = v => v is long l ? ((ulong)l).ToString(CultureInfo.InvariantCulture) : ColumnCase.DefaultCanon(v),
                Order = Compare<ulong>, FromDuckStat = s => s,
            },
            new()
            {
                Name = "date", Kind = ValueKind.Int32, Describe = (n, o) => ColumnDescriptor.Date(n, o),
                Generate = r => (int)Int(r, MinDays, MaxDays),
                DuckExpression = "({0} - DATE '1970-01-01')", DuckType = "DATE", SharpType = "Int32/Date", NetType = typeof(DateTime),
                FromDuckStat = s => DuckDays(s).ToString(CultureInfo.InvariantCulture),
                // Parquet.Net reads DATE values as DateTime but its statistics as the raw day number.
                FromNet = v => (v is int days ? days * 864_000_000_000L : v is DateOnly d ? (long)(d.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber) * 864_000_000_000 : ((DateTime)v).Ticks - UnixEpochTicks).ToString(CultureInfo.InvariantCulture),
                NetCanonOverride = v => v is int days ? ((long)days * 864_000_000_000).ToString(CultureInfo.InvariantCulture) : string.Empty,
                Order = Compare<int>,
            },
        };

        foreach (PfTimeUnit unit in new[] { PfTimeUnit.Millis, PfTimeUnit.Micros, PfTimeUnit.Nanos })
        {
            foreach (bool utc in new[] { true, false })
            {
                cases.Add(TimestampCase(unit, utc));
            }
        }

        cases.Add(TimeCase(PfTimeUnit.Millis));
        cases.Add(TimeCase(PfTimeUnit.Micros));
        cases.Add(TimeCase(PfTimeUnit.Nanos));
        cases.Add(DecimalCase("dec32", 9, 2, ValueKind.Int32, 0));
        cases.Add(DecimalCase("dec64", 18, 4, ValueKind.Int64, 0));
        cases.Add(DecimalCase("decfix", 28, 10, ValueKind.Fixed, 12));
        cases.Add(DecimalCase("decfix38", 38, 6, ValueKind.Fixed, 16));
        cases.Add(new ColumnCase
        {
            Name = "uuid", Kind = ValueKind.Fixed, Describe = (n, o) => ColumnDescriptor.FixedLenByteArray(n, 16, o, PfLogicalType.Uuid()),
            Generate = r => RandomBytes(r, 16),
            DuckExpression = "replace(CAST({0} AS VARCHAR), '-', '')", DuckCanonOverride = v => Convert.ToHexStringLower((byte[])v),
            NetCanonOverride = v => Convert.ToHexStringLower((byte[])v), FromNet = v => ((Guid)v).ToString("N"), NetHasMinMax = false,
            DuckType = "UUID", SharpType = "FixedLenByteArray(16)/Uuid", NetType = typeof(Guid), Order = CompareBytes,
            FromDuckStat = s => s.Replace("-", string.Empty, StringComparison.Ordinal),
        });
        cases.Add(new ColumnCase
        {
            Name = "json", Kind = ValueKind.Text, Describe = (n, o) => ColumnDescriptor.ByteArray(n, o, PfLogicalType.Json()),
            Generate = r => s_json[r.Next(s_json.Length)], DuckExpression = "CAST({0} AS VARCHAR)",
            DuckType = "JSON", SharpType = "ByteArray/Json", NetType = typeof(ReadOnlyMemory<byte>), FromDuckStat = s => s,

            // Parquet.Net does not treat JSON as text: it reads the bytes.
            FromNet = v => v is byte[] b ? Encoding.UTF8.GetString(b) : (string)v,
            Order = (a, b) => Encoding.UTF8.GetBytes((string)a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes((string)b)),
        });
        cases.Add(new ColumnCase
        {
            Name = "enum", Kind = ValueKind.Text, Describe = (n, o) => ColumnDescriptor.ByteArray(n, o, PfLogicalType.Enum()),
            Generate = r => s_enums[r.Next(s_enums.Length)], DuckType = "VARCHAR", SharpType = "ByteArray/Enum", NetType = typeof(ReadOnlyMemory<char>), FromDuckStat = s => s,
            Order = (a, b) => Encoding.UTF8.GetBytes((string)a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes((string)b)),
        });
        return cases;
    }

    private static ColumnCase IntCase(string name, int bits, bool signed, long min, long max, string duckType, Type netType) => new()
    {
        Name = name, Kind = ValueKind.Int32, Describe = (n, o) => ColumnDescriptor.Int32(n, o, PfLogicalType.Integer(bits, signed)),
        Generate = r => (int)Int(r, min, max), DuckType = duckType, SharpType = $"Int32/Int({bits},{signed})", NetType = netType,
        Order = Compare<int>, FromDuckStat = s => s,
    };

    private static ColumnCase TimestampCase(PfTimeUnit unit, bool utc)
    {
        (long min, long max, string suffix, long ticksPer, long ticksDiv) = unit switch
        {
            PfTimeUnit.Millis => (MinMillis, MaxMillis, "ms", TicksPerMilli, 1L),
            PfTimeUnit.Micros => (MinMillis * 1000, (MaxMillis * 1000) + 999, "us", 10L, 1L),

            // Nanosecond timestamps cover nearly the whole INT64 range: DuckDB reads ±max as ±infinity, and its
            // parquet_metadata() fails ("Date out of range in timestamp_ns conversion") on TIMESTAMP_NS statistics
            // before 1677-09-21 00:12:43 + a few days (e.g. -9_223_372_000_000_000_000), although it reads the values themselves.
            _ => (-NanoLimit, NanoLimit, "ns", 1L, 100L),
        };

        // DuckDB: TIMESTAMP (microseconds) / TIMESTAMP_NS for local times, and TIMESTAMPTZ (microseconds) for UTC
        // instants, nanoseconds included, so UTC NANOS compare at microsecond precision (DuckDB truncates towards zero).
        bool microsInDuck = unit == PfTimeUnit.Nanos && utc;
        string duckFunction = unit switch
        {
            PfTimeUnit.Millis => "epoch_ms",
            PfTimeUnit.Micros => "epoch_us",
            _ => microsInDuck ? "epoch_us" : "epoch_ns",
        };
        string duckType = (unit, utc) switch
        {
            (_, true) => "TIMESTAMP WITH TIME ZONE",
            (PfTimeUnit.Millis or PfTimeUnit.Micros, false) => "TIMESTAMP",
            _ => "TIMESTAMP_NS",
        };
        // Parquet.Net reads timestamps as DateTime: 100 ns ticks, nanoseconds truncated towards zero.
        string NetTicks(long raw) => (ticksDiv == 1 ? raw * ticksPer : raw / ticksDiv).ToString(CultureInfo.InvariantCulture);
        return new ColumnCase
        {
            Name = $"ts_{suffix}_{(utc ? "utc" : "local")}",
            Kind = ValueKind.Int64,
            Describe = (n, o) => ColumnDescriptor.Timestamp(n, unit, utc, o),
            Generate = r => Int(r, min, max),
            DuckExpression = duckFunction + "({0})",
            DuckCanonOverride = microsInDuck ? v => ((long)v / 1000).ToString(CultureInfo.InvariantCulture) : null,

            NetCanonOverride = v => NetTicks((long)v),
            // Values come as DateTime; statistics as the raw INT64.
            FromNet = v => v is long raw ? NetTicks(raw) : (((DateTime)v).Ticks - UnixEpochTicks).ToString(CultureInfo.InvariantCulture),
            DuckType = duckType,
            SharpType = $"Int64/Timestamp({unit},{utc})",

            // parquet_metadata() prints statistics as text: "2262-04-07 16:26:40.123456[+00]", in DuckDB's own unit.
            FromDuckStat = s => DuckTimestamp(s, unitsPerSecond: unit switch
            {
                PfTimeUnit.Millis => 1_000,
                PfTimeUnit.Micros => 1_000_000,
                _ => microsInDuck ? 1_000_000 : 1_000_000_000,
            }).ToString(CultureInfo.InvariantCulture),
            NetType = typeof(DateTime),
            Order = Compare<long>,
        };
    }

    /// <summary>TIME (local): INT32 milliseconds or INT64 micro/nanoseconds since midnight.</summary>
    private static ColumnCase TimeCase(PfTimeUnit unit)
    {
        (string suffix, long perSecond) = unit switch
        {
            PfTimeUnit.Millis => ("ms", 1_000L),
            PfTimeUnit.Micros => ("us", 1_000_000L),
            _ => ("ns", 1_000_000_000L),
        };
        long day = 86_400 * perSecond;
        bool int32 = unit == PfTimeUnit.Millis;

        // DuckDB: TIME (microseconds) for MILLIS/MICROS, TIME_NS for NANOS.
        string duckExpression = unit == PfTimeUnit.Nanos ? "CAST({0} AS VARCHAR)" : "datediff('microsecond', TIME '00:00:00', {0})";
        return new ColumnCase
        {
            Name = "time_" + suffix,
            Kind = int32 ? ValueKind.Int32 : ValueKind.Int64,
            Describe = int32
                ? (n, o) => ColumnDescriptor.Int32(n, o, PfLogicalType.Time(unit, isAdjustedToUtc: false))
                : (n, o) => ColumnDescriptor.Int64(n, o, PfLogicalType.Time(unit, isAdjustedToUtc: false)),
            Generate = r => int32 ? (object)(int)Int(r, 0, day - 1) : Int(r, 0, day - 1),
            DuckExpression = duckExpression,
            DuckCanonOverride = unit switch
            {
                PfTimeUnit.Nanos => v => TimeText((long)v, perSecond),
                _ => v => (Convert.ToInt64(v, CultureInfo.InvariantCulture) * (1_000_000 / perSecond)).ToString(CultureInfo.InvariantCulture),
            },
            FromDuckStat = unit == PfTimeUnit.Nanos ? s => s : s => DuckTimestamp("1970-01-01 " + s, 1_000_000).ToString(CultureInfo.InvariantCulture),
            DuckType = unit == PfTimeUnit.Nanos ? "TIME_NS" : "TIME",
            SharpType = $"{(int32 ? "Int32" : "Int64")}/Time({unit},False)",

            // Parquet.Net 6.1.0 maps only UTC TIME (which carries the legacy TIME_MILLIS/MICROS annotation) to TimeSpan:
            // a local TIME comes back as the raw INT32/INT64.
            NetType = int32 ? typeof(int) : typeof(long),
            Order = int32 ? Compare<int> : Compare<long>,
        };
    }

    /// <summary>"HH:mm:ss[.fraction]" as DuckDB prints a time, trailing zeros of the fraction dropped.</summary>
    private static string TimeText(long units, long perSecond)
    {
        long seconds = units / perSecond;
        long fraction = units % perSecond;
        string text = $"{seconds / 3600:D2}:{seconds / 60 % 60:D2}:{seconds % 60:D2}";
        return fraction == 0 ? text : text + "." + fraction.ToString(CultureInfo.InvariantCulture).PadLeft((int)Math.Log10(perSecond), '0').TrimEnd('0');
    }

    private static ColumnCase DecimalCase(string name, int precision, int scale, ValueKind kind, int bytes)
    {
        BigInteger limit = BigInteger.Pow(10, precision) - 1;
        return new ColumnCase
        {
            Name = name,
            Kind = kind,
            Describe = kind switch
            {
                ValueKind.Int32 => (n, o) => ColumnDescriptor.Int32(n, o, PfLogicalType.Decimal(precision, scale)),
                ValueKind.Int64 => (n, o) => ColumnDescriptor.Int64(n, o, PfLogicalType.Decimal(precision, scale)),
                _ => (n, o) => ColumnDescriptor.FixedLenByteArray(n, bytes, o, PfLogicalType.Decimal(precision, scale)),
            },
            Generate = r =>
            {
                BigInteger v = r.Next(10) switch
                {
                    0 => limit,
                    1 => -limit,
                    2 => r.Next(-1000, 1000),
                    _ => RandomBig(r, limit),
                };
                return kind switch
                {
                    ValueKind.Int32 => (object)(int)v,
                    ValueKind.Int64 => (long)v,
                    _ => ColumnCase.ToBigEndian(v, bytes),
                };
            },
            Canon = v => ColumnCase.DecimalText(Unscaled(v), scale),
            DuckExpression = "CAST({0} AS VARCHAR)",
            // Parquet.Net reads decimals as System.Decimal, but their statistics as the unscaled INT32/INT64 or its BigDecimal.
            FromNet = v => ColumnCase.DecimalText(
                v switch
                {
                    global::Parquet.Data.BigDecimal big => big.UnscaledValue,
                    int raw => raw,
                    long raw => raw,
                    _ => new BigInteger((decimal)v * Pow10(scale)),
                },
                scale),
            DuckType = $"DECIMAL({precision},{scale})",
            SharpType = (kind switch { ValueKind.Int32 => "Int32", ValueKind.Int64 => "Int64", _ => $"FixedLenByteArray({bytes})" }) + $"/Decimal({precision},{scale})",
            NetType = precision > 28 ? typeof(global::Parquet.Data.BigDecimal) : typeof(decimal),
            Order = (a, b) => Unscaled(a).CompareTo(Unscaled(b)),
            FromDuckStat = s => s,
        };
    }

    private static int DuckDays(string date) =>
        DateOnly.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    /// <summary>DuckDB's timestamp text ("yyyy-MM-dd HH:mm:ss[.fraction][+00]") as units since the epoch.</summary>
    private static long DuckTimestamp(string text, long unitsPerSecond)
    {
        string t = text.EndsWith("+00", StringComparison.Ordinal) ? text[..^3] : text;
        int space = t.IndexOf(' ', StringComparison.Ordinal);
        string[] clock = t[(space + 1)..].Split(':');
        string[] seconds = clock[2].Split('.');
        Int128 total = ((Int128)DuckDays(t[..space]) * 86_400) + (int.Parse(clock[0], CultureInfo.InvariantCulture) * 3600) + (int.Parse(clock[1], CultureInfo.InvariantCulture) * 60) + int.Parse(seconds[0], CultureInfo.InvariantCulture);
        total *= unitsPerSecond;
        if (seconds.Length > 1)
        {
            int digits = (int)Math.Log10(unitsPerSecond);
            total += long.Parse(seconds[1].PadRight(digits, '0')[..digits], CultureInfo.InvariantCulture);
        }

        return (long)total;
    }

    private static decimal Pow10(int scale)
    {
        decimal p = 1m;
        for (int i = 0; i < scale; i++)
        {
            p *= 10m;
        }

        return p;
    }

    private static BigInteger Unscaled(object v) => v switch
    {
        int i => i,
        long l => l,
        byte[] b => ColumnCase.FromBigEndian(b),
        _ => throw new ArgumentException(v.GetType().Name),
    };

    private static BigInteger RandomBig(Random r, BigInteger limit)
    {
        byte[] bytes = RandomBytes(r, limit.GetByteCount() + 1);
        BigInteger v = BigInteger.Remainder(new BigInteger(bytes, isUnsigned: true), limit + 1);
        return r.Next(2) == 0 ? v : -v;
    }

    /// <summary>A value in [min, max]: the bounds themselves, small numbers (repeats for dictionaries), or uniform.</summary>
    internal static long Int(Random r, long min, long max)
    {
        int pick = r.Next(20);
        if (pick == 0)
        {
            return min;
        }

        if (pick == 1)
        {
            return max;
        }

        if (pick < 8)
        {
            long lo = Math.Max(min, -50);
            long hi = Math.Min(max, 50);
            return r.NextInt64(lo, hi + 1);
        }

        return max == long.MaxValue && min == long.MinValue ? r.NextInt64() - r.NextInt64() : min + (long)((ulong)r.NextInt64() % ((ulong)(max - min) + 1));
    }

    internal static long FloorDiv(long a, long b) => (long)Math.Floor((decimal)a / b);

    private static float NormalizeZero(float f) => f == 0 ? 0f : f;

    private static double NormalizeZero(double d) => d == 0 ? 0d : d;

    private static object GenerateFloat(Random r) => r.Next(16) switch
    {
        0 => float.NaN,
        1 => 0f,
        2 => -0f,
        3 => float.PositiveInfinity,
        4 => float.NegativeInfinity,
        5 => float.MaxValue,
        6 => float.Epsilon,
        7 => (float)r.Next(-20, 20),
        _ => NoNaN(BitConverter.Int32BitsToSingle(r.Next() ^ (r.Next(2) << 31))),
    };

    private static object GenerateDouble(Random r) => r.Next(16) switch
    {
        0 => double.NaN,
        1 => 0d,
        2 => -0d,
        3 => double.PositiveInfinity,
        4 => double.NegativeInfinity,
        5 => double.MinValue,
        6 => -double.Epsilon,
        7 => r.Next(-20, 20) / 4.0,
        _ => NoNaN(BitConverter.Int64BitsToDouble(r.NextInt64() ^ (r.NextInt64(2) << 63))),
    };

    private static float NoNaN(float f) => float.IsNaN(f) ? float.NaN : f;

    private static double NoNaN(double d) => double.IsNaN(d) ? double.NaN : d;

    internal static byte[] RandomBytes(Random r, int length)
    {
        byte[] bytes = new byte[length];
        r.NextBytes(bytes);
        return bytes;
    }

    private static int Compare<T>(object a, object b)
        where T : IComparable<T> => ((T)a).CompareTo((T)b);

    private static int CompareBytes(object a, object b) => ((byte[])a).AsSpan().SequenceCompareTo((byte[])b);
}
