using ParquetFlow.Parquet.IO;
using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Format;

/// <summary>A horizontal slice of the file: one column chunk per leaf column.</summary>
public sealed class RowGroup
{
    public List<ColumnChunk> Columns { get; } = [];

    public long TotalByteSize { get; set; }

    public long NumRows { get; set; }

    public long? FileOffset { get; set; }

    public long? TotalCompressedSize { get; set; }

    public short? Ordinal { get; set; }

    /// <summary>Serializes the row group (Thrift compact) as a footer holds it.</summary>
    public byte[] Serialize()
    {
        using var buffer = new ByteBuffer(512);
        return ThriftCompactWriter.Serialize(Write, buffer);
    }

    /// <summary>Parses a row group serialized by <see cref="Serialize"/>; throws <see cref="ParquetFormatException"/> when malformed.</summary>
    public static RowGroup Read(ReadOnlySpan<byte> bytes)
    {
        var r = new ThriftCompactReader(bytes, stackalloc short[ThriftCompactReader.MaxDepth]);
        return Read(ref r);
    }

    internal void Write(ref ThriftCompactWriter w)
    {
        w.StructBegin();
        w.FieldListBegin(1, CompactType.Struct, Columns.Count);
        foreach (ColumnChunk column in Columns)
        {
            column.Write(ref w);
        }

        w.FieldI64(2, TotalByteSize);
        w.FieldI64(3, NumRows);
        if (FileOffset is long offset)
        {
            w.FieldI64(5, offset);
        }

        if (TotalCompressedSize is long compressed)
        {
            w.FieldI64(6, compressed);
        }

        if (Ordinal is short ordinal)
        {
            w.FieldI16(7, ordinal);
        }

        w.StructEnd();
    }

    internal static RowGroup Read(ref ThriftCompactReader r)
    {
        var g = new RowGroup();
        bool columns = false, byteSize = false, rows = false;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1 when type == CompactType.List:
                    int count = r.ReadListHeader(CompactType.Struct);
                    for (int i = 0; i < count; i++)
                    {
                        g.Columns.Add(ColumnChunk.Read(ref r));
                    }

                    columns = true;
                    break;
                case 2 when type == CompactType.I64:
                    g.TotalByteSize = r.ReadI64();
                    byteSize = true;
                    break;
                case 3 when type == CompactType.I64:
                    g.NumRows = r.ReadI64();
                    rows = true;
                    break;
                case 5 when type == CompactType.I64: g.FileOffset = r.ReadI64(); break;
                case 6 when type == CompactType.I64: g.TotalCompressedSize = r.ReadI64(); break;
                case 7 when type == CompactType.I16: g.Ordinal = r.ReadI16(); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        if (!columns)
        {
            throw r.Missing("RowGroup", "columns", 1);
        }

        if (!byteSize)
        {
            throw r.Missing("RowGroup", "total_byte_size", 2);
        }

        if (!rows)
        {
            throw r.Missing("RowGroup", "num_rows", 3);
        }

        return g;
    }
}
