using System.Runtime.InteropServices;
using ParquetSharp;
using PfInt96 = ParquetFlow.Parquet.Int96;

namespace ParquetFlow.Interop.Tests;

/// <summary>
/// Reads a file with Apache Arrow C++ (through ParquetSharp) at the physical level: <c>ColumnReader&lt;T&gt;.ReadBatch</c>
/// with definition levels, so nothing is lost to a logical conversion, and typed column-chunk statistics. Page checksums
/// are verified, so every file the tests read proves its CRCs right to an independent implementation.
/// </summary>
internal static class ArrowReader
{
    private const int Batch = 4096;

    /// <summary>Reader properties that make Arrow C++ check every page against its CRC-32 (it fails a read on a mismatch).</summary>
    public static ReaderProperties VerifyingChecksums()
    {
        ReaderProperties properties = ReaderProperties.GetDefaultReaderProperties();
        properties.EnablePageChecksumVerification();
        return properties;
    }

    public static ReadBack Read(string path, IReadOnlyList<ColumnCase> cases)
    {
        var result = new ReadBack("Arrow C++ (ParquetSharp)", cases.Count);
        using var file = new ParquetFileReader(path, VerifyingChecksums());
        using FileMetaData meta = file.FileMetaData;
        result.RowGroups = meta.NumRowGroups;
        SchemaDescriptor schema = meta.Schema;
        for (int c = 0; c < schema.NumColumns; c++)
        {
            result.Types.Add(Describe(schema.Column(c)));
        }

        for (int g = 0; g < meta.NumRowGroups; g++)
        {
            using RowGroupReader rg = file.RowGroup(g);
            long rows = rg.MetaData.NumRows;
            for (int c = 0; c < cases.Count; c++)
            {
                ColumnCase cc = cases[c];
                using (ColumnChunkMetaData chunk = rg.MetaData.GetColumnChunkMetaData(c))
                {
                    if (chunk.IsStatsSet)
                    {
                        using Statistics stats = chunk.Statistics!;
                        string? min = stats.HasMinMax ? StatCanon(cc, stats.MinUntyped, schema.Column(c).TypeLength) : null;
                        string? max = stats.HasMinMax ? StatCanon(cc, stats.MaxUntyped, schema.Column(c).TypeLength) : null;
                        result.Statistics.Add(new ChunkStatistics(g, c, stats.NullCount, min, max));
                    }
                    else
                    {
                        result.Statistics.Add(new ChunkStatistics(g, c, null, null, null));
                    }
                }

                using ColumnReader column = rg.Column(c);
                int typeLength = column.ColumnDescriptor.TypeLength;
                bool optional = column.ColumnDescriptor.MaxDefinitionLevel > 0;
                List<string?> output = result.Values[c];
                switch (column)
                {
                    case ColumnReader<bool> r: ReadAll(r, rows, optional, v => v, cc, output); break;
                    case ColumnReader<int> r: ReadAll(r, rows, optional, v => cc.Kind == ValueKind.UInt32 ? (uint)v : v, cc, output); break;
                    case ColumnReader<long> r: ReadAll(r, rows, optional, v => cc.Kind == ValueKind.UInt64 ? (ulong)v : v, cc, output); break;
                    case ColumnReader<Int96> r: ReadAll(r, rows, optional, v => ToInt96(v), cc, output); break;
                    case ColumnReader<float> r: ReadAll(r, rows, optional, v => v, cc, output); break;
                    case ColumnReader<double> r: ReadAll(r, rows, optional, v => v, cc, output); break;
                    case ColumnReader<ByteArray> r: ReadAll(r, rows, optional, v => FromBytes(cc, Copy(v.Pointer, v.Length)), cc, output); break;
                    case ColumnReader<FixedLenByteArray> r: ReadAll(r, rows, optional, v => FromBytes(cc, Copy(v.Pointer, typeLength)), cc, output); break;
                    default: throw new InvalidOperationException($"unexpected reader {column.GetType()}");
                }
            }
        }

        return result;
    }

    /// <summary>Physical and logical type as "Physical[(length)]/Logical".</summary>
    public static string Describe(ColumnDescriptor column)
    {
        string physical = column.PhysicalType == PhysicalType.FixedLenByteArray ? $"FixedLenByteArray({column.TypeLength})" : column.PhysicalType.ToString();
        using ParquetSharp.LogicalType logical = column.LogicalType;
        string? annotation = logical switch
        {
            IntLogicalType i => $"Int({i.BitWidth},{i.IsSigned})",
            TimestampLogicalType t => $"Timestamp({t.TimeUnit},{t.IsAdjustedToUtc})",
            TimeLogicalType t => $"Time({t.TimeUnit},{t.IsAdjustedToUtc})",
            DecimalLogicalType d => $"Decimal({d.Precision},{d.Scale})",
            StringLogicalType => "String",
            DateLogicalType => "Date",
            UuidLogicalType => "Uuid",
            JsonLogicalType => "Json",
            EnumLogicalType => "Enum",
            NoneLogicalType => null,
            _ => logical.Type.ToString(),
        };
        return annotation is null ? physical : physical + "/" + annotation;
    }

    private static void ReadAll<T>(ColumnReader<T> reader, long rows, bool optional, Func<T, object> convert, ColumnCase cc, List<string?> output)
        where T : unmanaged
    {
        var defs = new short[Batch];
        var reps = new short[Batch];
        var values = new T[Batch];
        long total = 0;
        while (total < rows)
        {
            long want = Math.Min(Batch, rows - total);
            long levels = reader.ReadBatch(want, defs, reps, values, out long read);
            if (levels == 0)
            {
                throw new InvalidOperationException($"column {cc.Name}: Arrow returned no levels after {total} of {rows} rows");
            }

            int v = 0;
            for (int i = 0; i < levels; i++)
            {
                output.Add(!optional || defs[i] == 1 ? cc.Canon(convert(values[v++])) : null);
            }

            if (v != read)
            {
                throw new InvalidOperationException($"column {cc.Name}: {read} values for {v} defined levels");
            }

            total += levels;
        }
    }

    private static string? StatCanon(ColumnCase cc, object? value, int typeLength)
    {
        object? v = value switch
        {
            null => null,
            int i when cc.Kind == ValueKind.UInt32 => (uint)i,
            long l when cc.Kind == ValueKind.UInt64 => (ulong)l,
            float f => f == 0 ? 0f : f,
            double d => d == 0 ? 0d : d,
            ByteArray b => FromBytes(cc, Copy(b.Pointer, b.Length)),
            FixedLenByteArray f => FromBytes(cc, Copy(f.Pointer, typeLength)),
            Int96 i => ToInt96(i),
            _ => value,
        };
        return v is null ? null : cc.Canon(v);
    }

    private static object FromBytes(ColumnCase cc, byte[] bytes) => cc.Kind == ValueKind.Text ? System.Text.Encoding.UTF8.GetString(bytes) : bytes;

    private static PfInt96 ToInt96(Int96 v) => new((uint)v.A | ((ulong)(uint)v.B << 32), (uint)v.C);

    private static byte[] Copy(IntPtr pointer, int length)
    {
        byte[] bytes = new byte[length];
        if (length > 0)
        {
            Marshal.Copy(pointer, bytes, 0, length);
        }

        return bytes;
    }
}
