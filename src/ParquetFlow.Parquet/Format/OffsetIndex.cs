using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Format;

/// <summary>Page locations of one column chunk (the page index's offset part).</summary>
public sealed class OffsetIndex
{
    public List<PageLocation> PageLocations { get; } = [];

    internal void Write(ref ThriftCompactWriter w)
    {
        w.StructBegin();
        w.FieldListBegin(1, CompactType.Struct, PageLocations.Count);
        foreach (PageLocation location in PageLocations)
        {
            location.Write(ref w);
        }

        w.StructEnd();
    }

    internal static OffsetIndex Read(ref ThriftCompactReader r)
    {
        var index = new OffsetIndex();
        bool locations = false;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            if (id == 1 && type == CompactType.List)
            {
                int count = r.ReadListHeader(CompactType.Struct);
                for (int i = 0; i < count; i++)
                {
                    index.PageLocations.Add(PageLocation.Read(ref r));
                }

                locations = true;
            }
            else
            {
                r.Skip(type);
            }
        }

        r.StructEnd();
        return locations ? index : throw r.Missing("OffsetIndex", "page_locations", 1);
    }
}
