using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Format;

/// <summary>How many pages of a kind used an encoding (lets readers see that every data page is dictionary-encoded).</summary>
public sealed record PageEncodingStats(PageType PageType, ParquetEncoding Encoding, int Count)
{
    internal void Write(ref ThriftCompactWriter w)
    {
        w.StructBegin();
        w.FieldI32(1, (int)PageType);
        w.FieldI32(2, (int)Encoding);
        w.FieldI32(3, Count);
        w.StructEnd();
    }

    internal static PageEncodingStats Read(ref ThriftCompactReader r)
    {
        PageType pageType = PageType.DataPage;
        ParquetEncoding encoding = ParquetEncoding.Plain;
        int count = 0;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1: pageType = (PageType)r.ReadI32(); break;
                case 2: encoding = (ParquetEncoding)r.ReadI32(); break;
                case 3: count = r.ReadI32(); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return new PageEncodingStats(pageType, encoding, count);
    }
}
