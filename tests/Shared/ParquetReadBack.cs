// Linked into the test projects that check files with Parquet.Net (an independent reader): what a file holds.
using Parquet;
using Parquet.Schema;

namespace ParquetFlow.Tests.Shared;

/// <summary>
/// One Parquet file read whole by Parquet.Net: its columns' names and CLR types (which show the logical types), every
/// column's values across all row groups as its physical type (long for INT64, int for INT32, double, float, bool,
/// string), the rows of each row group, and the key-value metadata.
/// </summary>
internal sealed record ParquetReadBack(
    IReadOnlyList<string> Names,
    IReadOnlyList<Type> ClrTypes,
    IReadOnlyList<Array> Columns,
    IReadOnlyList<long> RowGroupRows,
    IReadOnlyDictionary<string, string> Metadata)
{
    public long Rows => RowGroupRows.Sum();

    /// <summary>The values of column <paramref name="name"/>.</summary>
    public T[] Column<T>(string name) => (T[])Columns[Names.ToList().IndexOf(name)];

    public static async Task<ParquetReadBack> ReadAsync(string path)
    {
        await using FileStream stream = File.OpenRead(path);
        await using ParquetReader reader = await ParquetReader.CreateAsync(stream);
        DataField[] fields = reader.Schema.DataFields;
        var parts = fields.Select(_ => new List<Array>()).ToArray();
        var groups = new List<long>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using ParquetRowGroupReader group = reader.OpenRowGroupReader(g);
            groups.Add(group.RowCount);
            for (int i = 0; i < fields.Length; i++)
            {
                parts[i].Add(await ReadAsync(group, fields[i]));
            }
        }

        var columns = new Array[fields.Length];
        for (int i = 0; i < fields.Length; i++)
        {
            Type element = PhysicalType(fields[i].ClrType);
            columns[i] = Array.CreateInstance(element, groups.Sum());
            long at = 0;
            foreach (Array part in parts[i])
            {
                Array.Copy(part, 0, columns[i], at, part.Length);
                at += part.Length;
            }
        }

        return new ParquetReadBack(
            [.. fields.Select(f => f.Name)],
            [.. fields.Select(f => f.ClrType)],
            columns,
            groups,
            new Dictionary<string, string>(reader.CustomMetadata));
    }

    /// <summary>Integers as their physical INT32/INT64: Parquet.Net maps logical types to CLR types (DateTime, ulong, short, byte) it cannot always decode into.</summary>
    private static Type PhysicalType(Type clr) =>
        clr == typeof(string) || clr == typeof(ReadOnlyMemory<char>) ? typeof(string)
        : clr == typeof(double) || clr == typeof(float) || clr == typeof(bool) ? clr
        : clr == typeof(DateTime) || clr == typeof(long) || clr == typeof(ulong) ? typeof(long)
        : typeof(int);

    private static async Task<Array> ReadAsync(ParquetRowGroupReader group, DataField field)
    {
        Type type = PhysicalType(field.ClrType);
        if (type == typeof(string))
        {
            // Parquet.Net 6 reports STRING as ReadOnlyMemory<char>; it still reads through the string overload.
            var strings = new string?[group.RowCount];
            await group.ReadAsync(field, strings.AsMemory(), null);
            return strings;
        }

        return type == typeof(double) ? await Read<double>(group, field)
            : type == typeof(float) ? await Read<float>(group, field)
            : type == typeof(bool) ? await Read<bool>(group, field)
            : type == typeof(long) ? await Read<long>(group, Physical<long>(field))
            : await Read<int>(group, Physical<int>(field));
    }

    private static DataField<T> Physical<T>(DataField field)
    {
        var raw = new DataField<T>(field.Name);
        _ = new ParquetSchema(raw); // a field reads only once attached to a schema (that gives it its path)
        return raw;
    }

    private static async Task<Array> Read<T>(ParquetRowGroupReader group, DataField field)
        where T : struct
    {
        var values = new T[group.RowCount];
        await group.ReadAsync<T>(field, values.AsMemory(), null, CancellationToken.None);
        return values;
    }
}
