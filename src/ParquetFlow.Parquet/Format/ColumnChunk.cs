using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Format;

/// <summary>One column of one row group: its metadata and where its page index lives.</summary>
public sealed class ColumnChunk
{
    public string? FilePath { get; set; }

    public long FileOffset { get; set; }

    public ColumnMetaData MetaData { get; set; } = new();

    public long? OffsetIndexOffset { get; set; }

    public int? OffsetIndexLength { get; set; }

    public long? ColumnIndexOffset { get; set; }

    public int? ColumnIndexLength { get; set; }

    internal void Write(ref ThriftCompactWriter w)
    {
        w.StructBegin();
        if (FilePath is not null)
        {
            w.FieldString(1, FilePath);
        }

        w.FieldI64(2, FileOffset);
        w.FieldHeader(3, CompactType.Struct);
        MetaData.Write(ref w);
        if (OffsetIndexOffset is long oio && OffsetIndexLength is int oil)
        {
            w.FieldI64(4, oio);
            w.FieldI32(5, oil);
        }

        if (ColumnIndexOffset is long cio && ColumnIndexLength is int cil)
        {
            w.FieldI64(6, cio);
            w.FieldI32(7, cil);
        }

        w.StructEnd();
    }

    internal static ColumnChunk Read(ref ThriftCompactReader r)
    {
        var c = new ColumnChunk();
        bool fileOffset = false, metaData = false, encrypted = false;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1 when type == CompactType.Binary: c.FilePath = r.ReadString(); break;
                case 2 when type == CompactType.I64:
                    c.FileOffset = r.ReadI64();
                    fileOffset = true;
                    break;
                case 3 when type == CompactType.Struct:
                    c.MetaData = ColumnMetaData.Read(ref r);
                    metaData = true;
                    break;
                case 4 when type == CompactType.I64: c.OffsetIndexOffset = r.ReadI64(); break;
                case 5 when type == CompactType.I32: c.OffsetIndexLength = r.ReadI32(); break;
                case 6 when type == CompactType.I64: c.ColumnIndexOffset = r.ReadI64(); break;
                case 7 when type == CompactType.I32: c.ColumnIndexLength = r.ReadI32(); break;
                case 8 when type == CompactType.Struct:
                    // crypto_metadata: the column is encrypted (its metadata is in field 9, which no key here opens).
                    r.Skip(type);
                    encrypted = true;
                    break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        if (!fileOffset)
        {
            throw r.Missing("ColumnChunk", "file_offset", 2);
        }

        if (!metaData)
        {
            // The format makes meta_data optional only for encrypted columns, whose metadata is encrypted.
            throw encrypted
                ? r.Invalid("the column chunk is encrypted (Parquet modular encryption), which this reader cannot open")
                : r.Missing("ColumnChunk", "meta_data", 3);
        }

        return c;
    }
}
