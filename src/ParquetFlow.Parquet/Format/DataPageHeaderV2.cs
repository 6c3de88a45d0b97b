using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Format;

/// <summary>Header of a version 2 data page (levels stored uncompressed ahead of the values).</summary>
public sealed class DataPageHeaderV2
{
    public int NumValues { get; set; }

    public int NumNulls { get; set; }

    public int NumRows { get; set; }

    public ParquetEncoding Encoding { get; set; }

    public int DefinitionLevelsByteLength { get; set; }

    public int RepetitionLevelsByteLength { get; set; }

    public bool IsCompressed { get; set; } = true;

    public Statistics? Statistics { get; set; }

    internal void Write(ref ThriftCompactWriter w)
    {
        w.StructBegin();
        w.FieldI32(1, NumValues);
        w.FieldI32(2, NumNulls);
        w.FieldI32(3, NumRows);
        w.FieldI32(4, (int)Encoding);
        w.FieldI32(5, DefinitionLevelsByteLength);
        w.FieldI32(6, RepetitionLevelsByteLength);
        w.FieldBool(7, IsCompressed);
        if (Statistics is not null)
        {
            w.FieldHeader(8, CompactType.Struct);
            Statistics.Write(ref w);
        }

        w.StructEnd();
    }

    internal static DataPageHeaderV2 Read(ref ThriftCompactReader r)
    {
        var h = new DataPageHeaderV2();
        int seen = 0;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: h.NumValues = r.ReadI32(); seen |= 1; break;
                case 2 when type == CompactType.I32: h.NumNulls = r.ReadI32(); seen |= 2; break;
                case 3 when type == CompactType.I32: h.NumRows = r.ReadI32(); seen |= 4; break;
                case 4 when type == CompactType.I32: h.Encoding = (ParquetEncoding)r.ReadI32(); seen |= 8; break;
                case 5 when type == CompactType.I32: h.DefinitionLevelsByteLength = r.ReadI32(); seen |= 16; break;
                case 6 when type == CompactType.I32: h.RepetitionLevelsByteLength = r.ReadI32(); seen |= 32; break;
                case 7 when ThriftCompactReader.IsBool(type): h.IsCompressed = r.ReadBool(); break;
                case 8 when type == CompactType.Struct: h.Statistics = Statistics.Read(ref r); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return seen switch
        {
            63 => h,
            _ when (seen & 1) == 0 => throw r.Missing("DataPageHeaderV2", "num_values", 1),
            _ when (seen & 2) == 0 => throw r.Missing("DataPageHeaderV2", "num_nulls", 2),
            _ when (seen & 4) == 0 => throw r.Missing("DataPageHeaderV2", "num_rows", 3),
            _ when (seen & 8) == 0 => throw r.Missing("DataPageHeaderV2", "encoding", 4),
            _ when (seen & 16) == 0 => throw r.Missing("DataPageHeaderV2", "definition_levels_byte_length", 5),
            _ => throw r.Missing("DataPageHeaderV2", "repetition_levels_byte_length", 6),
        };
    }
}
