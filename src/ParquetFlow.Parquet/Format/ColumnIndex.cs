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
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1:
                    r.ReadListHeader(out _, out int nulls);
                    for (int i = 0; i < nulls; i++)
                    {
                        index.NullPages.Add(r.ReadBool());
                    }

                    break;
                case 2:
                    r.ReadListHeader(out _, out int mins);
                    for (int i = 0; i < mins; i++)
                    {
                        index.MinValues.Add(r.ReadBinary().ToArray());
                    }

                    break;
                case 3:
                    r.ReadListHeader(out _, out int maxes);
                    for (int i = 0; i < maxes; i++)
                    {
                        index.MaxValues.Add(r.ReadBinary().ToArray());
                    }

                    break;
                case 4:
                    index.BoundaryOrder = (BoundaryOrder)r.ReadI32();
                    break;
                case 5:
                    r.ReadListHeader(out _, out int counts);
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
        return index;
    }
}
