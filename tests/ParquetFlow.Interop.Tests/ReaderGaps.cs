using ParquetSharp;

namespace ParquetFlow.Interop.Tests;

/// <summary>What a reader cannot decode although the file is valid (the other two readers read it); see ReaderGapTests.</summary>
internal static class ReaderGaps
{
    private static readonly Type[] s_parquetNetDeltaTypes = [typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong)];

    /// <summary>
    /// Columns of <paramref name="path"/> that Parquet.Net 6.1.0 fails on: RLE-encoded BOOLEAN data pages
    /// (DivideByZeroException in its bit-packed decoder; aloneguid/parquet-dotnet#638), and DELTA_BINARY_PACKED
    /// pages of any column it maps to something other than short/ushort/int/uint/long/ulong (INT(8), DATE,
    /// TIMESTAMP, DECIMAL: "element type System.DateTime is not supported in DELTA_BINARY_PACKED").
    /// </summary>
    /// <remarks>
    /// Also optional INT96 columns in LZ4_RAW-compressed v2 data pages: Parquet.Net throws IndexOutOfRangeException in
    /// its PLAIN INT96 decoder (other codecs, v1 pages and required columns read fine; DuckDB and Arrow read the file).
    /// </remarks>
    public static IReadOnlySet<string> ParquetNetCannotDecode(string path, IReadOnlyList<ColumnCase> cases, bool booleansRequestedRle, bool lz4V2Optional)
    {
        var names = new HashSet<string>();
        if (lz4V2Optional)
        {
            foreach (ColumnCase c in cases.Where(c => c.Kind == ValueKind.Int96))
            {
                names.Add(c.Name);
            }
        }

        using var file = new ParquetFileReader(path);
        using ParquetSharp.FileMetaData meta = file.FileMetaData;
        for (int g = 0; g < meta.NumRowGroups; g++)
        {
            using RowGroupReader rg = file.RowGroup(g);
            for (int c = 0; c < cases.Count; c++)
            {
                using ColumnChunkMetaData chunk = rg.MetaData.GetColumnChunkMetaData(c);
                bool delta = chunk.Encodings.Contains(Encoding.DeltaBinaryPacked);
                if ((cases[c].Kind == ValueKind.Bool && booleansRequestedRle) || (delta && !s_parquetNetDeltaTypes.Contains(cases[c].NetType)))
                {
                    names.Add(cases[c].Name);
                }
            }
        }

        return names;
    }
}
