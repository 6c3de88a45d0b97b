using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Format;

/// <summary>A key-value metadata entry of the file or a column chunk.</summary>
public sealed record KeyValue(string Key, string? Value)
{
    internal void Write(ref ThriftCompactWriter w)
    {
        w.StructBegin();
        w.FieldString(1, Key);
        if (Value is not null)
        {
            w.FieldString(2, Value);
        }

        w.StructEnd();
    }

    internal static KeyValue Read(ref ThriftCompactReader r)
    {
        string? key = null;
        string? value = null;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1 when type == CompactType.Binary: key = r.ReadString(); break;
                case 2 when type == CompactType.Binary: value = r.ReadString(); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return new KeyValue(key ?? throw r.Missing("KeyValue", "key", 1), value);
    }
}
