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
        string key = string.Empty;
        string? value = null;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1: key = r.ReadString(); break;
                case 2: value = r.ReadString(); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return new KeyValue(key, value);
    }
}
