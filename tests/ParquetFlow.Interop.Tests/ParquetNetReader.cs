using Parquet;
using Parquet.Data;
using Parquet.Schema;

namespace ParquetFlow.Interop.Tests;

/// <summary>Reads a file with Parquet.Net (its own managed decoder): typed column reads, DataField types, row-group statistics.</summary>
internal static class ParquetNetReader
{
    /// <summary>Reads every column except those named in <paramref name="skip"/> (left empty: a known Parquet.Net gap).</summary>
    public static async Task<ReadBack> ReadAsync(string path, IReadOnlyList<ColumnCase> cases, IReadOnlySet<string>? skip = null)
    {
        var result = new ReadBack("Parquet.Net", cases.Count);
        await using ParquetReader reader = await ParquetReader.CreateAsync(path);

        // DECIMAL beyond System.Decimal's 28 digits overflows unless the reader maps decimals to its BigDecimal.
        await using ParquetReader bigReader = await ParquetReader.CreateAsync(path, new ParquetOptions { UseBigDecimal = true });
        DataField[] fields = reader.Schema.GetDataFields();
        DataField[] bigFields = bigReader.Schema.GetDataFields();
        for (int c = 0; c < fields.Length; c++)
        {
            result.Types.Add((UsesBigDecimal(cases[c]) ? bigFields[c] : fields[c]).ClrType.ToString());
        }

        result.RowGroups = reader.RowGroupCount;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using ParquetRowGroupReader plainGroup = reader.OpenRowGroupReader(g);
            using ParquetRowGroupReader bigGroup = bigReader.OpenRowGroupReader(g);
            int rows = checked((int)plainGroup.RowCount);
            for (int c = 0; c < cases.Count; c++)
            {
                ColumnCase cc = cases[c];
                bool big = UsesBigDecimal(cc);
                DataField field = big ? bigFields[c] : fields[c];
                ParquetRowGroupReader rg = big ? bigGroup : plainGroup;
                if (skip is not null && skip.Contains(cc.Name))
                {
                    continue;
                }

                object?[] values;
                try
                {
                    values = await ReadColumnAsync(rg, field, rows);
                }
                catch (Exception e) when (e is not InvalidOperationException)
                {
                    throw new InvalidOperationException($"Parquet.Net failed on column {cc.Name}, row group {g}: {e.GetType().Name}: {e.Message}", e);
                }

                foreach (object? v in values)
                {
                    result.Values[c].Add(v is null ? null : cc.FromNet(Unwrap(v)));
                }

                DataColumnStatistics? stats = rg.GetStatistics(field);
                result.Statistics.Add(new ChunkStatistics(
                    g,
                    c,
                    stats?.NullCount,
                    stats?.MinValue is { } min ? cc.FromNet(Normalize(min)) : null,
                    stats?.MaxValue is { } max ? cc.FromNet(Normalize(max)) : null));
            }
        }

        return result;
    }

    private static bool UsesBigDecimal(ColumnCase cc) => cc.NetType == typeof(BigDecimal);

    private static object Unwrap(object value) => value switch
    {
        ReadOnlyMemory<byte> m => m.ToArray(),
        ReadOnlyMemory<char> m => m.ToString(),
        _ => value,
    };

    /// <summary>Statistics: unwrapped, and -0 read as +0 (min/max compare numerically).</summary>
    private static object Normalize(object value) => Unwrap(value) switch
    {
        float f when f == 0 => 0f,
        double d when d == 0 => 0d,
        var other => other,
    };

    internal static async Task<object?[]> ReadColumnAsync(ParquetRowGroupReader rg, DataField field, int rows)
    {
        Type t = field.ClrType;
        // Parquet.Net 6 reports BYTE_ARRAY as ReadOnlyMemory<byte> and STRING as ReadOnlyMemory<char>; both still
        // read through the byte[] and string overloads.
        if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
        {
            string?[] buffer = new string?[rows];
            await rg.ReadAsync(field, buffer.AsMemory(), null);
            return buffer;
        }

        if (t == typeof(byte[]) || t == typeof(ReadOnlyMemory<byte>))
        {
            byte[]?[] buffer = new byte[]?[rows];
            await rg.ReadAsync(field, buffer.AsMemory(), null);
            return buffer;
        }

        return t switch
        {
            _ when t == typeof(bool) => await ReadStructAsync<bool>(rg, field, rows),
            _ when t == typeof(sbyte) => await ReadStructAsync<sbyte>(rg, field, rows),
            _ when t == typeof(byte) => await ReadStructAsync<byte>(rg, field, rows),
            _ when t == typeof(short) => await ReadStructAsync<short>(rg, field, rows),
            _ when t == typeof(ushort) => await ReadStructAsync<ushort>(rg, field, rows),
            _ when t == typeof(int) => await ReadStructAsync<int>(rg, field, rows),
            _ when t == typeof(uint) => await ReadStructAsync<uint>(rg, field, rows),
            _ when t == typeof(long) => await ReadStructAsync<long>(rg, field, rows),
            _ when t == typeof(ulong) => await ReadStructAsync<ulong>(rg, field, rows),
            _ when t == typeof(float) => await ReadStructAsync<float>(rg, field, rows),
            _ when t == typeof(double) => await ReadStructAsync<double>(rg, field, rows),
            _ when t == typeof(decimal) => await ReadStructAsync<decimal>(rg, field, rows),
            _ when t == typeof(BigDecimal) => await ReadStructAsync<BigDecimal>(rg, field, rows),
            _ when t == typeof(DateTime) => await ReadStructAsync<DateTime>(rg, field, rows),
            _ when t == typeof(DateOnly) => await ReadStructAsync<DateOnly>(rg, field, rows),
            _ when t == typeof(Guid) => await ReadStructAsync<Guid>(rg, field, rows),
            _ => throw new InvalidOperationException($"Parquet.Net maps {field.Name} to {t}, which the test does not read"),
        };
    }

    private static async Task<object?[]> ReadStructAsync<T>(ParquetRowGroupReader rg, DataField field, int rows)
        where T : struct
    {
        var result = new object?[rows];
        if (field.IsNullable)
        {
            var buffer = new T?[rows];
            await rg.ReadAsync<T>(field, buffer.AsMemory(), null);
            for (int i = 0; i < rows; i++)
            {
                result[i] = buffer[i];
            }
        }
        else
        {
            var buffer = new T[rows];
            await rg.ReadAsync<T>(field, buffer.AsMemory(), null);
            for (int i = 0; i < rows; i++)
            {
                result[i] = buffer[i];
            }
        }

        return result;
    }
}
