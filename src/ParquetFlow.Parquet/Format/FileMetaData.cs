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

    /// <summary>True when the footer names an encryption algorithm: a plaintext footer over encrypted columns.</summary>
    public bool HasEncryptedColumns { get; internal set; }

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

    /// <summary>
    /// Parses a serialized footer; throws <see cref="ParquetFormatException"/> when it is malformed or lacks a required
    /// field (version, schema, num_rows, row_groups: a zeroed or cut footer is refused, not read as an empty file).
    /// </summary>
    public static FileMetaData Read(ReadOnlySpan<byte> footer)
    {
        var r = new ThriftCompactReader(footer, stackalloc short[ThriftCompactReader.MaxDepth]);
        var m = new FileMetaData();
        bool version = false, schema = false, rows = false, groups = false;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32:
                    m.Version = r.ReadI32();
                    version = true;
                    break;
                case 2 when type == CompactType.List:
                    int elements = r.ReadListHeader(CompactType.Struct);
                    for (int i = 0; i < elements; i++)
                    {
                        m.Schema.Add(SchemaElement.Read(ref r));
                    }

                    schema = true;
                    break;
                case 3 when type == CompactType.I64:
                    m.NumRows = r.ReadI64();
                    rows = true;
                    break;
                case 4 when type == CompactType.List:
                    int count = r.ReadListHeader(CompactType.Struct);
                    for (int i = 0; i < count; i++)
                    {
                        m.RowGroups.Add(RowGroup.Read(ref r));
                    }

                    groups = true;
                    break;
                case 5 when type == CompactType.List:
                    int kvs = r.ReadListHeader(CompactType.Struct);
                    for (int i = 0; i < kvs; i++)
                    {
                        m.KeyValueMetadata.Add(KeyValue.Read(ref r));
                    }

                    break;
                case 6 when type == CompactType.Binary:
                    m.CreatedBy = r.ReadString();
                    break;
                case 7 when type == CompactType.List:
                    r.ReadListHeader(out CompactType orderType, out int orders);
                    for (int i = 0; i < orders; i++)
                    {
                        r.Skip(orderType);
                        m.ColumnOrders.Add(true);
                    }

                    break;
                case 8 when type == CompactType.Struct:
                    // encryption_algorithm: the footer is plaintext but columns are encrypted (modular encryption).
                    r.Skip(type);
                    m.HasEncryptedColumns = true;
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        if (!version)
        {
            throw r.Missing("FileMetaData", "version", 1);
        }

        if (!schema)
        {
            throw r.Missing("FileMetaData", "schema", 2);
        }

        if (!rows)
        {
            throw r.Missing("FileMetaData", "num_rows", 3);
        }

        if (!groups)
        {
            throw r.Missing("FileMetaData", "row_groups", 4);
        }

        return m;
    }
}
