using ParquetFlow.Parquet.IO;
using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Format;

/// <summary>The footer: schema, row groups, key-value metadata, writer identity and column orders.</summary>
public sealed class FileMetaData
{
    public int Version { get; set; } = 2;

    public List<SchemaElement> Schema { get; } = [];

    public long NumRows { get; set; }

    public List<RowGroup> RowGroups { get; } = [];

    public List<KeyValue> KeyValueMetadata { get; } = [];

    public string? CreatedBy { get; set; }

    /// <summary>One entry per leaf column: true when its statistics follow the type-defined sort order.</summary>
    public List<bool> ColumnOrders { get; } = [];

    /// <summary>Serializes the footer (Thrift compact), as it stands before the 4-byte length and <c>PAR1</c>.</summary>
    public byte[] Serialize()
    {
        using var buffer = new ByteBuffer(1024);
        Write(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    internal void Write(ByteBuffer output)
    {
        var w = new ThriftCompactWriter(output);
        w.StructBegin();
        w.FieldI32(1, Version);
        w.FieldListBegin(2, CompactType.Struct, Schema.Count);
        foreach (SchemaElement element in Schema)
        {
            element.Write(ref w);
        }

        w.FieldI64(3, NumRows);
        w.FieldListBegin(4, CompactType.Struct, RowGroups.Count);
        foreach (RowGroup group in RowGroups)
        {
            group.Write(ref w);
        }

        if (KeyValueMetadata.Count > 0)
        {
            w.FieldListBegin(5, CompactType.Struct, KeyValueMetadata.Count);
            foreach (KeyValue kv in KeyValueMetadata)
            {
                kv.Write(ref w);
            }
        }

        if (CreatedBy is not null)
        {
            w.FieldString(6, CreatedBy);
        }

        if (ColumnOrders.Count > 0)
        {
            // ColumnOrder is a union whose only member, TYPE_ORDER (field 1), is an empty struct.
            w.FieldListBegin(7, CompactType.Struct, ColumnOrders.Count);
            foreach (bool _ in ColumnOrders)
            {
                w.StructBegin();
                w.FieldStructBegin(1);
                w.StructEnd();
                w.StructEnd();
            }
        }

        w.StructEnd();
    }

    /// <summary>Parses a serialized footer; throws <see cref="ParquetFormatException"/> when malformed.</summary>
    public static FileMetaData Read(ReadOnlySpan<byte> footer)
    {
        var r = new ThriftCompactReader(footer, stackalloc short[64]);
        var m = new FileMetaData();
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1: m.Version = r.ReadI32(); break;
                case 2:
                    r.ReadListHeader(out _, out int elements);
                    for (int i = 0; i < elements; i++)
                    {
                        m.Schema.Add(SchemaElement.Read(ref r));
                    }

                    break;
                case 3: m.NumRows = r.ReadI64(); break;
                case 4:
                    r.ReadListHeader(out _, out int groups);
                    for (int i = 0; i < groups; i++)
                    {
                        m.RowGroups.Add(RowGroup.Read(ref r));
                    }

                    break;
                case 5:
                    r.ReadListHeader(out _, out int kvs);
                    for (int i = 0; i < kvs; i++)
                    {
                        m.KeyValueMetadata.Add(KeyValue.Read(ref r));
                    }

                    break;
                case 6: m.CreatedBy = r.ReadString(); break;
                case 7:
                    r.ReadListHeader(out CompactType orderType, out int orders);
                    for (int i = 0; i < orders; i++)
                    {
                        r.Skip(orderType);
                        m.ColumnOrders.Add(true);
                    }

                    break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return m;
    }
}
