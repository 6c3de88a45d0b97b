using System.Text;

namespace ParquetFlow.Interop.Tests;

/// <summary>Compares what a reader made of a file with what the test wrote; collects every difference into one failure.</summary>
internal static class Verify
{
    public enum Reader
    {
        Arrow,
        DuckDb,
        ParquetNet,
    }

    /// <summary>Values, nulls, types, row-group count and statistics of <paramref name="read"/> against <paramref name="table"/>.</summary>
    /// <remarks>Columns named in <paramref name="skip"/> are left out (a reader gap the caller documents).</remarks>
    public static void Matches(GeneratedTable table, ReadBack read, Reader reader, string context, bool checkStatistics = true, IReadOnlySet<string>? skip = null)
    {
        var errors = new StringBuilder();
        IReadOnlyList<ColumnCase> cases = table.Cases;
        int nonEmptyGroups = table.RowGroupSizes.Count(s => s > 0);
        if (read.RowGroups != nonEmptyGroups)
        {
            errors.AppendLine($"row groups: expected {nonEmptyGroups}, read {read.RowGroups}");
        }

        for (int c = 0; c < cases.Count; c++)
        {
            ColumnCase cc = cases[c];
            if (skip is not null && skip.Contains(cc.Name))
            {
                continue;
            }

            string expectedType = reader switch
            {
                Reader.Arrow => cc.SharpType,
                Reader.DuckDb => cc.DuckType,
                _ => cc.NetType.ToString(),
            };
            string actualType = c < read.Types.Count ? read.Types[c] : "<missing>";
            if (actualType != expectedType)
            {
                errors.AppendLine($"{cc.Name}: type expected {expectedType}, read {actualType}");
            }

            Func<object, string> canon = Canon(cc, reader);
            List<string?> actual = read.Values[c];
            object?[] written = table.Columns[c];
            if (actual.Count != written.Length)
            {
                errors.AppendLine($"{cc.Name}: expected {written.Length} rows, read {actual.Count}");
                continue;
            }

            int mismatches = 0;
            for (int i = 0; i < written.Length; i++)
            {
                string? expected = written[i] is { } v ? canon(v) : null;
                if (expected != actual[i])
                {
                    if (mismatches++ < 3)
                    {
                        errors.AppendLine($"{cc.Name} row {i}: expected {Show(expected)}, read {Show(actual[i])}");
                    }
                }
            }

            if (mismatches > 3)
            {
                errors.AppendLine($"{cc.Name}: {mismatches} mismatching rows in all");
            }
        }

        if (checkStatistics)
        {
            CheckStatistics(table, read, reader, errors, skip);
        }

        if (errors.Length > 0)
        {
            Assert.Fail($"{read.Reader} disagrees with what was written ({context}):\n{errors}");
        }
    }

    private static void CheckStatistics(GeneratedTable table, ReadBack read, Reader reader, StringBuilder errors, IReadOnlySet<string>? skip)
    {
        IReadOnlyList<ColumnCase> cases = table.Cases;
        int start = 0;
        int group = 0;
        foreach (int size in table.RowGroupSizes)
        {
            if (size == 0)
            {
                continue;
            }

            for (int c = 0; c < cases.Count; c++)
            {
                ColumnCase cc = cases[c];
                if (skip is not null && skip.Contains(cc.Name))
                {
                    continue;
                }

                (long nulls, object? min, object? max) = Expected(cc, table.Columns[c].AsSpan(start, size));
                ChunkStatistics? stats = read.Statistics.Find(s => s.RowGroup == group && s.Column == c);
                if (stats is null)
                {
                    errors.AppendLine($"{cc.Name} row group {group}: no statistics");
                    continue;
                }

                if (stats.NullCount != nulls)
                {
                    errors.AppendLine($"{cc.Name} row group {group}: null count expected {nulls}, read {stats.NullCount?.ToString() ?? "none"}");
                }

                bool checkMinMax = reader switch
                {
                    Reader.DuckDb => cc.FromDuckStat is not null,
                    Reader.ParquetNet => cc.NetHasMinMax,
                    _ => true,
                };
                if (!checkMinMax)
                {
                    continue;
                }

                Func<object, string> canon = Canon(cc, reader);
                string? expectedMin = min is null ? null : canon(min);
                string? expectedMax = max is null ? null : canon(max);
                if (reader == Reader.DuckDb && cc.IsFloatingPoint)
                {
                    // DuckDB's parquet_metadata() shows no min (max) when it is -inf (+inf); the other readers do.
                    expectedMin = IsInfinite(min) && stats.Min is null ? null : expectedMin;
                    expectedMax = IsInfinite(max) && stats.Max is null ? null : expectedMax;
                }

                if (expectedMin != stats.Min || expectedMax != stats.Max)
                {
                    errors.AppendLine($"{cc.Name} row group {group}: min/max expected {Show(expectedMin)}/{Show(expectedMax)}, read {Show(stats.Min)}/{Show(stats.Max)}");
                }
            }

            start += size;
            group++;
        }
    }

    /// <summary>Null count, and min/max by the column's sort order (NaN left out, -0 read as +0; none for INT96).</summary>
    public static (long Nulls, object? Min, object? Max) Expected(ColumnCase cc, ReadOnlySpan<object?> values)
    {
        long nulls = 0;
        object? min = null;
        object? max = null;
        foreach (object? v in values)
        {
            if (v is null)
            {
                nulls++;
                continue;
            }

            if (cc.Order is null || v is float.NaN || v is double.NaN)
            {
                continue;
            }

            object value = v switch
            {
                float f when f == 0 => 0f,
                double d when d == 0 => 0d,
                _ => v,
            };
            if (min is null || cc.Order(value, min) < 0)
            {
                min = value;
            }

            if (max is null || cc.Order(value, max) > 0)
            {
                max = value;
            }
        }

        return (nulls, min, max);
    }

    private static Func<object, string> Canon(ColumnCase cc, Reader reader) => reader switch
    {
        Reader.Arrow => cc.Canon,
        Reader.DuckDb => cc.DuckCanon,
        _ => cc.NetCanon,
    };

    private static bool IsInfinite(object? value) => value is float f ? float.IsInfinity(f) : value is double d && double.IsInfinity(d);

    private static string Show(string? s) => s is null ? "null" : "'" + (s.Length > 80 ? s[..80] + "…" : s) + "'";
}
