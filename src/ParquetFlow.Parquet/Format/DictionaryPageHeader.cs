using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Format;

/// <summary>Header of the dictionary page that starts a dictionary-encoded column chunk.</summary>
public sealed class DictionaryPageHeader
{
    public int NumValues { get; set; }

    public ParquetEncoding Encoding { get; set; } = ParquetEncoding.Plain;

    public bool? IsSorted { get; set; }

    internal void Write(ref ThriftCompactWriter w)
    {
        w.StructBegin();
        w.FieldI32(1, NumValues);
        w.FieldI32(2, (int)Encoding);
        if (IsSorted is bool sorted)
        {
            w.FieldBool(3, sorted);
        }

        w.StructEnd();
    }

    internal static DictionaryPageHeader Read(ref ThriftCompactReader r)
    {
        var h = new DictionaryPageHeader();
        int seen = 0;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: h.NumValues = r.ReadI32(); seen |= 1; break;
                case 2 when type == CompactType.I32: h.Encoding = (ParquetEncoding)r.ReadI32(); seen |= 2; break;
                case 3 when ThriftCompactReader.IsBool(type): h.IsSorted = r.ReadBool(); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return seen switch
        {
            3 => h,
            _ when (seen & 1) == 0 => throw r.Missing("DictionaryPageHeader", "num_values", 1),
            _ => throw r.Missing("DictionaryPageHeader", "encoding", 2),
        };
    }
}
