using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Format;

/// <summary>Min, max and null count of a page or column chunk (values PLAIN-encoded, without length prefix).</summary>
public sealed class Statistics
{
    /// <summary>Legacy max (signed sort order only).</summary>
    public byte[]? Max { get; set; }

    /// <summary>Legacy min (signed sort order only).</summary>
    public byte[]? Min { get; set; }

    /// <summary>Number of nulls.</summary>
    public long? NullCount { get; set; }

    /// <summary>Number of distinct values, when known.</summary>
    public long? DistinctCount { get; set; }

    /// <summary>Max by the column's sort order.</summary>
    public byte[]? MaxValue { get; set; }

    /// <summary>Min by the column's sort order.</summary>
    public byte[]? MinValue { get; set; }

    internal void Write(ref ThriftCompactWriter w)
    {
        w.StructBegin();
        if (Max is not null)
        {
            w.FieldBinary(1, Max);
        }

        if (Min is not null)
        {
            w.FieldBinary(2, Min);
        }

        if (NullCount is long nulls)
        {
            w.FieldI64(3, nulls);
        }

        if (DistinctCount is long distinct)
        {
            w.FieldI64(4, distinct);
        }

        if (MaxValue is not null)
        {
            w.FieldBinary(5, MaxValue);
        }

        if (MinValue is not null)
        {
            w.FieldBinary(6, MinValue);
        }

        w.StructEnd();
    }

    internal static Statistics Read(ref ThriftCompactReader r)
    {
        var s = new Statistics();
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1 when type == CompactType.Binary: s.Max = r.ReadBinary().ToArray(); break;
                case 2 when type == CompactType.Binary: s.Min = r.ReadBinary().ToArray(); break;
                case 3 when type == CompactType.I64: s.NullCount = r.ReadI64(); break;
                case 4 when type == CompactType.I64: s.DistinctCount = r.ReadI64(); break;
                case 5 when type == CompactType.Binary: s.MaxValue = r.ReadBinary().ToArray(); break;
                case 6 when type == CompactType.Binary: s.MinValue = r.ReadBinary().ToArray(); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return s;
    }
}
