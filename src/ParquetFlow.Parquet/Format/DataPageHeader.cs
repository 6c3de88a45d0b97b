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
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1: h.NumValues = r.ReadI32(); break;
                case 2: h.Encoding = (ParquetEncoding)r.ReadI32(); break;
                case 3: h.DefinitionLevelEncoding = (ParquetEncoding)r.ReadI32(); break;
                case 4: h.RepetitionLevelEncoding = (ParquetEncoding)r.ReadI32(); break;
                case 5: h.Statistics = Statistics.Read(ref r); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return h;
    }
}
