using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Format;

/// <summary>Per-page minima, maxima and null counts of one column chunk (the page index's value part).</summary>
public sealed class ColumnIndex
{
    public List<bool> NullPages { get; } = [];

    public List<byte[]> MinValues { get; } = [];

    public List<byte[]> MaxValues { get; } = [];

    public BoundaryOrder BoundaryOrder { get; set; }

    public List<long> NullCounts { get; } = [];

    internal void Write(ref ThriftCompactWriter w)
    {
        w.StructBegin();
        w.FieldListBegin(1, CompactType.BooleanTrue, NullPages.Count);
        foreach (bool isNull in NullPages)
        {
            w.ElementBool(isNull);
        }

        w.FieldListBegin(2, CompactType.Binary, MinValues.Count);
        foreach (byte[] min in MinValues)
        {
            w.Binary(min);
        }

        w.FieldListBegin(3, CompactType.Binary, MaxValues.Count);
        foreach (byte[] max in MaxValues)
        {
            w.Binary(max);
        }

        w.FieldI32(4, (int)BoundaryOrder);
        w.FieldListBegin(5, CompactType.I64, NullCounts.Count);
        foreach (long count in NullCounts)
        {
            w.ElementI64(count);
        }

        w.StructEnd();
    }

    internal static ColumnIndex Read(ref ThriftCompactReader r)
    {
        var index = new ColumnIndex();
        int seen = 0;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1 when type == CompactType.List:
                    int nulls = r.ReadListHeader(CompactType.BooleanTrue);
                    for (int i = 0; i < nulls; i++)
                    {
                        index.NullPages.Add(r.ReadBool());
                    }

                    seen |= 1;
                    break;
                case 2 when type == CompactType.List:
                    int mins = r.ReadListHeader(CompactType.Binary);
                    for (int i = 0; i < mins; i++)
                    {
                        index.MinValues.Add(r.ReadBinary().ToArray());
                    }

                    seen |= 2;
                    break;
                case 3 when type == CompactType.List:
                    int maxes = r.ReadListHeader(CompactType.Binary);
                    for (int i = 0; i < maxes; i++)
                    {
                        index.MaxValues.Add(r.ReadBinary().ToArray());
                    }

                    seen |= 4;
                    break;
                case 4 when type == CompactType.I32:
                    index.BoundaryOrder = (BoundaryOrder)r.ReadI32();
                    seen |= 8;
                    break;
                case 5 when type == CompactType.List:
                    int counts = r.ReadListHeader(CompactType.I64);
                    for (int i = 0; i < counts; i++)
                    {
                        index.NullCounts.Add(r.ReadI64());
                    }

                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        return seen switch
        {
            15 => index,
            _ when (seen & 1) == 0 => throw r.Missing("ColumnIndex", "null_pages", 1),
            _ when (seen & 2) == 0 => throw r.Missing("ColumnIndex", "min_values", 2),
            _ when (seen & 4) == 0 => throw r.Missing("ColumnIndex", "max_values", 3),
            _ => throw r.Missing("ColumnIndex", "boundary_order", 4),
        };
    }
}
