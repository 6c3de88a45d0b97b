using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Format;

/// <summary>Where a data page starts in the file, its size with header, and its first row (offset index entry).</summary>
public readonly record struct PageLocation(long Offset, int CompressedPageSize, long FirstRowIndex)
{
    internal void Write(ref ThriftCompactWriter w)
    {
        w.StructBegin();
        w.FieldI64(1, Offset);
        w.FieldI32(2, CompressedPageSize);
        w.FieldI64(3, FirstRowIndex);
        w.StructEnd();
    }

    internal static PageLocation Read(ref ThriftCompactReader r)
    {
        long offset = 0;
        int size = 0;
        long first = 0;
        int seen = 0;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I64: offset = r.ReadI64(); seen |= 1; break;
                case 2 when type == CompactType.I32: size = r.ReadI32(); seen |= 2; break;
                case 3 when type == CompactType.I64: first = r.ReadI64(); seen |= 4; break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return seen switch
        {
            7 => new PageLocation(offset, size, first),
            _ when (seen & 1) == 0 => throw r.Missing("PageLocation", "offset", 1),
            _ when (seen & 2) == 0 => throw r.Missing("PageLocation", "compressed_page_size", 2),
            _ => throw r.Missing("PageLocation", "first_row_index", 3),
        };
    }
}
