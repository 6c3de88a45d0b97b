using System.Text;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Interop.Tests;

/// <summary>
/// Seeded random rows for a set of <see cref="ColumnCase"/>s (one column per case), split into row groups, and the
/// code that hands them to <see cref="ParquetFileWriter"/> through every batch API (dense values with definition
/// levels, spaced values with a validity bitmap, byte arrays with offsets, packed fixed-length values, strings),
/// each column of a row group in one to three batches.
/// </summary>
internal sealed class GeneratedTable
{
    private GeneratedTable(IReadOnlyList<ColumnCase> cases, bool nullable, object?[][] columns, int[] rowGroupSizes)
    {
        Cases = cases;
        Nullable = nullable;
        Columns = columns;
        RowGroupSizes = rowGroupSizes;
        Schema = new ParquetSchema(cases.Select(c => c.Describe(c.Name, nullable)));
    }

    public IReadOnlyList<ColumnCase> Cases { get; }

    public bool Nullable { get; }

    /// <summary>[column][row]; null is a null row.</summary>
    public object?[][] Columns { get; }

    public int[] RowGroupSizes { get; }

    public ParquetSchema Schema { get; }

    public int RowCount => Columns.Length == 0 ? 0 : Columns[0].Length;

    /// <summary>Random values; with <paramref name="nullable"/> about <paramref name="nullRate"/> of the rows are null.</summary>
    public static GeneratedTable Create(Random random, IReadOnlyList<ColumnCase> cases, bool nullable, int[] rowGroupSizes, double nullRate = 0.15)
    {
        int rows = rowGroupSizes.Sum();
        var columns = new object?[cases.Count][];
        for (int c = 0; c < cases.Count; c++)
        {
            columns[c] = new object?[rows];
            for (int i = 0; i < rows; i++)
            {
                columns[c][i] = nullable && random.NextDouble() < nullRate ? null : cases[c].Generate(random);
            }
        }

        return new GeneratedTable(cases, nullable, columns, rowGroupSizes);
    }

    /// <summary>Given rows (for hand-made edge cases).</summary>
    public static GeneratedTable FromColumns(IReadOnlyList<ColumnCase> cases, bool nullable, object?[][] columns, int[] rowGroupSizes) =>
        new(cases, nullable, columns, rowGroupSizes);

    /// <summary>Writes the table; <paramref name="random"/> picks batch splits and batch APIs.</summary>
    public void Write(string path, ParquetWriterOptions options, Random random)
    {
        using ParquetFileWriter writer = ParquetFileWriter.Create(path, Schema, options);
        int start = 0;
        foreach (int size in RowGroupSizes)
        {
            using (RowGroupWriter rg = writer.BeginRowGroup())
            {
                for (int c = 0; c < Cases.Count; c++)
                {
                    int done = 0;
                    int batches = random.Next(1, 4);
                    for (int b = 0; b < batches && done < size; b++)
                    {
                        int count = b == batches - 1 ? size - done : random.Next(0, size - done + 1);
                        WriteBatch(rg, c, Columns[c].AsSpan(start + done, count), random.Next(2) == 0);
                        done += count;
                    }

                    if (done < size)
                    {
                        WriteBatch(rg, c, Columns[c].AsSpan(start + done, size - done), false);
                    }
                }
            }

            start += size;
        }
    }

    /// <summary>
    /// Writes the table through <see cref="ParquetFileWriter.Write(IReadOnlyList{ColumnData})"/> in batches of
    /// <paramref name="batchRows"/> rows; the writer cuts row groups itself (so <see cref="RowGroupSizes"/> does not
    /// apply: see <see cref="WithRowGroupSizes"/>).
    /// </summary>
    public void WriteTable(string path, ParquetWriterOptions options, int batchRows)
    {
        using ParquetFileWriter writer = ParquetFileWriter.Create(path, Schema, options);
        for (int start = 0; start < RowCount; start += batchRows)
        {
            int count = Math.Min(batchRows, RowCount - start);
            writer.Write([.. Enumerable.Range(0, Cases.Count).Select(c => ToColumnData(c, Columns[c].AsSpan(start, count)))]);
        }
    }

    /// <summary>The same rows cut into different row groups (as a writer chose them).</summary>
    public GeneratedTable WithRowGroupSizes(int[] sizes) => new(Cases, Nullable, Columns, sizes);

    private ColumnData ToColumnData(int column, ReadOnlySpan<object?> rows)
    {
        byte[] levels = Nullable ? [.. rows.ToArray().Select(v => v is null ? (byte)0 : (byte)1)] : [];
        return Cases[column].Kind switch
        {
            ValueKind.Bool => Dense<bool>(rows, levels),
            ValueKind.Int32 => Dense<int>(rows, levels),
            ValueKind.UInt32 => Dense<uint>(rows, levels),
            ValueKind.Int64 => Dense<long>(rows, levels),
            ValueKind.UInt64 => Dense<ulong>(rows, levels),
            ValueKind.Int96 => Dense<Int96>(rows, levels),
            ValueKind.Float => Dense<float>(rows, levels),
            ValueKind.Double => Dense<double>(rows, levels),
            ValueKind.Text when column % 2 == 0 => ColumnData.FromStrings(rows.ToArray().Select(v => (string?)v).ToArray()),
            _ => ColumnData.FromByteArrays(Concat(rows, out int[] offsets), offsets, levels),
        };
    }

    private static ColumnData Dense<T>(ReadOnlySpan<object?> rows, byte[] levels)
        where T : unmanaged => ColumnData.From<T>(rows.ToArray().OfType<T>().ToArray(), levels);

    private void WriteBatch(RowGroupWriter rg, int column, ReadOnlySpan<object?> rows, bool alternate)
    {
        byte[] levels = Nullable ? new byte[rows.Length] : [];
        for (int i = 0; i < levels.Length; i++)
        {
            levels[i] = rows[i] is null ? (byte)0 : (byte)1;
        }

        switch (Cases[column].Kind)
        {
            case ValueKind.Bool: WriteFixed<bool>(rg, column, rows, levels, alternate); break;
            case ValueKind.Int32: WriteFixed<int>(rg, column, rows, levels, alternate); break;
            case ValueKind.UInt32: WriteFixed<uint>(rg, column, rows, levels, alternate); break;
            case ValueKind.Int64: WriteFixed<long>(rg, column, rows, levels, alternate); break;
            case ValueKind.UInt64: WriteFixed<ulong>(rg, column, rows, levels, alternate); break;
            case ValueKind.Int96: WriteFixed<Int96>(rg, column, rows, levels, alternate); break;
            case ValueKind.Float: WriteFixed<float>(rg, column, rows, levels, alternate); break;
            case ValueKind.Double: WriteFixed<double>(rg, column, rows, levels, alternate); break;
            case ValueKind.Text when alternate:
                rg.WriteStrings(column, rows.ToArray().Select(v => (string?)v).ToArray());
                break;
            case ValueKind.Fixed when alternate:
                rg.WriteFixedLenByteArrays(column, Concat(rows, out _), levels);
                break;
            default:
                byte[] data = Concat(rows, out int[] offsets);
                rg.WriteByteArrays(column, data, offsets, levels);
                break;
        }
    }

    private static byte[] Concat(ReadOnlySpan<object?> rows, out int[] offsets)
    {
        var data = new List<byte>();
        var offs = new List<int> { 0 };
        foreach (object? v in rows)
        {
            if (v is null)
            {
                continue;
            }

            data.AddRange(v is string s ? Encoding.UTF8.GetBytes(s) : (byte[])v);
            offs.Add(data.Count);
        }

        offsets = [.. offs];
        return [.. data];
    }

    private void WriteFixed<T>(RowGroupWriter rg, int column, ReadOnlySpan<object?> rows, byte[] levels, bool spaced)
        where T : unmanaged
    {
        if (spaced && Nullable)
        {
            var values = new T[rows.Length];
            byte[] validity = new byte[(rows.Length + 7) / 8];
            for (int i = 0; i < rows.Length; i++)
            {
                if (rows[i] is T v)
                {
                    values[i] = v;
                    validity[i >> 3] |= (byte)(1 << (i & 7));
                }
            }

            rg.WriteColumnSpaced<T>(column, values, validity);
            return;
        }

        var dense = new List<T>(rows.Length);
        foreach (object? v in rows)
        {
            if (v is T t)
            {
                dense.Add(t);
            }
        }

        rg.WriteColumn<T>(column, dense.ToArray(), levels);
    }
}
