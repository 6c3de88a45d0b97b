using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Format;

/// <summary>The Thrift header in front of every page.</summary>
public sealed class PageHeader
{
    public PageType Type { get; set; }

    public int UncompressedPageSize { get; set; }

    public int CompressedPageSize { get; set; }

    public int? Crc { get; set; }

    public DataPageHeader? DataPageHeader { get; set; }

    public DictionaryPageHeader? DictionaryPageHeader { get; set; }

    public DataPageHeaderV2? DataPageHeaderV2 { get; set; }

    internal void Write(ref ThriftCompactWriter w)
    {
        w.StructBegin();
        w.FieldI32(1, (int)Type);
        w.FieldI32(2, UncompressedPageSize);
        w.FieldI32(3, CompressedPageSize);
        if (Crc is int crc)
        {
            w.FieldI32(4, crc);
        }

        if (DataPageHeader is not null)
        {
            w.FieldHeader(5, CompactType.Struct);
            DataPageHeader.Write(ref w);
        }

        if (DictionaryPageHeader is not null)
        {
            w.FieldHeader(7, CompactType.Struct);
            DictionaryPageHeader.Write(ref w);
        }

        if (DataPageHeaderV2 is not null)
        {
            w.FieldHeader(8, CompactType.Struct);
            DataPageHeaderV2.Write(ref w);
        }

        w.StructEnd();
    }

    internal static PageHeader Read(ref ThriftCompactReader r)
    {
        var h = new PageHeader();
        bool pageType = false, uncompressed = false, compressed = false;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32:
                    h.Type = (PageType)r.ReadI32();
                    pageType = true;
                    break;
                case 2 when type == CompactType.I32:
                    h.UncompressedPageSize = r.ReadI32();
                    uncompressed = true;
                    break;
                case 3 when type == CompactType.I32:
                    h.CompressedPageSize = r.ReadI32();
                    compressed = true;
                    break;
                case 4 when type == CompactType.I32: h.Crc = r.ReadI32(); break;
                case 5 when type == CompactType.Struct: h.DataPageHeader = DataPageHeader.Read(ref r); break;
                case 7 when type == CompactType.Struct: h.DictionaryPageHeader = DictionaryPageHeader.Read(ref r); break;
                case 8 when type == CompactType.Struct: h.DataPageHeaderV2 = DataPageHeaderV2.Read(ref r); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        if (!pageType)
        {
            throw r.Missing("PageHeader", "type", 1);
        }

        if (!uncompressed)
        {
            throw r.Missing("PageHeader", "uncompressed_page_size", 2);
        }

        if (!compressed)
        {
            throw r.Missing("PageHeader", "compressed_page_size", 3);
        }

        return h;
    }
}
