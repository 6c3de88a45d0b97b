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
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1: h.NumValues = r.ReadI32(); break;
                case 2: h.Encoding = (ParquetEncoding)r.ReadI32(); break;
                case 3: h.IsSorted = r.ReadBool(); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return h;
    }
}
