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
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1: h.NumValues = r.ReadI32(); break;
                case 2: h.NumNulls = r.ReadI32(); break;
                case 3: h.NumRows = r.ReadI32(); break;
                case 4: h.Encoding = (ParquetEncoding)r.ReadI32(); break;
                case 5: h.DefinitionLevelsByteLength = r.ReadI32(); break;
                case 6: h.RepetitionLevelsByteLength = r.ReadI32(); break;
                case 7: h.IsCompressed = r.ReadBool(); break;
                case 8: h.Statistics = Statistics.Read(ref r); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return h;
    }
}
