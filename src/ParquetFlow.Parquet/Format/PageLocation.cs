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
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1: offset = r.ReadI64(); break;
                case 2: size = r.ReadI32(); break;
                case 3: first = r.ReadI64(); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return new PageLocation(offset, size, first);
    }
}
