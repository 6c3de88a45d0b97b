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
        int seen = 0;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: pageType = (PageType)r.ReadI32(); seen |= 1; break;
                case 2 when type == CompactType.I32: encoding = (ParquetEncoding)r.ReadI32(); seen |= 2; break;
                case 3 when type == CompactType.I32: count = r.ReadI32(); seen |= 4; break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return seen switch
        {
            7 => new PageEncodingStats(pageType, encoding, count),
            _ when (seen & 1) == 0 => throw r.Missing("PageEncodingStats", "page_type", 1),
            _ when (seen & 2) == 0 => throw r.Missing("PageEncodingStats", "encoding", 2),
            _ => throw r.Missing("PageEncodingStats", "count", 3),
        };
    }
}
