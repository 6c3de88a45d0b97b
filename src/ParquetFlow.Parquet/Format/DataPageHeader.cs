using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Format;

/// <summary>Header of a version 1 data page (levels and values compressed together).</summary>
public sealed class DataPageHeader
{
    public int NumValues { get; set; }

    public ParquetEncoding Encoding { get; set; }

    public ParquetEncoding DefinitionLevelEncoding { get; set; } = ParquetEncoding.Rle;

    public ParquetEncoding RepetitionLevelEncoding { get; set; } = ParquetEncoding.Rle;

    public Statistics? Statistics { get; set; }

    internal void Write(ref ThriftCompactWriter w)
    {
        w.StructBegin();
        w.FieldI32(1, NumValues);
        w.FieldI32(2, (int)Encoding);
        w.FieldI32(3, (int)DefinitionLevelEncoding);
        w.FieldI32(4, (int)RepetitionLevelEncoding);
        if (Statistics is not null)
        {
            w.FieldHeader(5, CompactType.Struct);
            Statistics.Write(ref w);
        }

        w.StructEnd();
    }

    internal static DataPageHeader Read(ref ThriftCompactReader r)
    {
        var h = new DataPageHeader();
        int seen = 0;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: h.NumValues = r.ReadI32(); seen |= 1; break;
                case 2 when type == CompactType.I32: h.Encoding = (ParquetEncoding)r.ReadI32(); seen |= 2; break;
                case 3 when type == CompactType.I32: h.DefinitionLevelEncoding = (ParquetEncoding)r.ReadI32(); seen |= 4; break;
                case 4 when type == CompactType.I32: h.RepetitionLevelEncoding = (ParquetEncoding)r.ReadI32(); seen |= 8; break;
                case 5 when type == CompactType.Struct: h.Statistics = Statistics.Read(ref r); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return seen switch
        {
            15 => h,
            _ when (seen & 1) == 0 => throw r.Missing("DataPageHeader", "num_values", 1),
            _ when (seen & 2) == 0 => throw r.Missing("DataPageHeader", "encoding", 2),
            _ when (seen & 4) == 0 => throw r.Missing("DataPageHeader", "definition_level_encoding", 3),
            _ => throw r.Missing("DataPageHeader", "repetition_level_encoding", 4),
        };
    }
}
