using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Format;

/// <summary>Where a column chunk's pages are, how they are encoded and compressed, and their statistics.</summary>
public sealed class ColumnMetaData
{
    public PhysicalType Type { get; set; }

    public List<ParquetEncoding> Encodings { get; } = [];

    public List<string> PathInSchema { get; } = [];

    public CompressionCodec Codec { get; set; }

    public long NumValues { get; set; }

    public long TotalUncompressedSize { get; set; }

    public long TotalCompressedSize { get; set; }

    public List<KeyValue>? KeyValueMetadata { get; set; }

    public long DataPageOffset { get; set; }

    public long? IndexPageOffset { get; set; }

    public long? DictionaryPageOffset { get; set; }

    public Statistics? Statistics { get; set; }

    public List<PageEncodingStats>? EncodingStats { get; set; }

    internal void Write(ref ThriftCompactWriter w)
    {
        w.StructBegin();
        w.FieldI32(1, (int)Type);
        w.FieldListBegin(2, CompactType.I32, Encodings.Count);
        foreach (ParquetEncoding encoding in Encodings)
        {
            w.ElementI32((int)encoding);
        }

        w.FieldListBegin(3, CompactType.Binary, PathInSchema.Count);
        foreach (string part in PathInSchema)
        {
            w.String(part);
        }

        w.FieldI32(4, (int)Codec);
        w.FieldI64(5, NumValues);
        w.FieldI64(6, TotalUncompressedSize);
        w.FieldI64(7, TotalCompressedSize);
        if (KeyValueMetadata is { Count: > 0 })
        {
            w.FieldListBegin(8, CompactType.Struct, KeyValueMetadata.Count);
            foreach (KeyValue kv in KeyValueMetadata)
            {
                kv.Write(ref w);
            }
        }

        w.FieldI64(9, DataPageOffset);
        if (IndexPageOffset is long indexOffset)
        {
            w.FieldI64(10, indexOffset);
        }

        if (DictionaryPageOffset is long dictionaryOffset)
        {
            w.FieldI64(11, dictionaryOffset);
        }

        if (Statistics is not null)
        {
            w.FieldHeader(12, CompactType.Struct);
            Statistics.Write(ref w);
        }

        if (EncodingStats is { Count: > 0 })
        {
            w.FieldListBegin(13, CompactType.Struct, EncodingStats.Count);
            foreach (PageEncodingStats stats in EncodingStats)
            {
                stats.Write(ref w);
            }
        }

        w.StructEnd();
    }

    internal static ColumnMetaData Read(ref ThriftCompactReader r)
    {
        var m = new ColumnMetaData();
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1: m.Type = (PhysicalType)r.ReadI32(); break;
                case 2:
                    r.ReadListHeader(out _, out int encodings);
                    for (int i = 0; i < encodings; i++)
                    {
                        m.Encodings.Add((ParquetEncoding)r.ReadI32());
                    }

                    break;
                case 3:
                    r.ReadListHeader(out _, out int parts);
                    for (int i = 0; i < parts; i++)
                    {
                        m.PathInSchema.Add(r.ReadString());
                    }

                    break;
                case 4: m.Codec = (CompressionCodec)r.ReadI32(); break;
                case 5: m.NumValues = r.ReadI64(); break;
                case 6: m.TotalUncompressedSize = r.ReadI64(); break;
                case 7: m.TotalCompressedSize = r.ReadI64(); break;
                case 8:
                    r.ReadListHeader(out _, out int kvs);
                    m.KeyValueMetadata = new List<KeyValue>(kvs);
                    for (int i = 0; i < kvs; i++)
                    {
                        m.KeyValueMetadata.Add(KeyValue.Read(ref r));
                    }

                    break;
                case 9: m.DataPageOffset = r.ReadI64(); break;
                case 10: m.IndexPageOffset = r.ReadI64(); break;
                case 11: m.DictionaryPageOffset = r.ReadI64(); break;
                case 12: m.Statistics = Statistics.Read(ref r); break;
                case 13:
                    r.ReadListHeader(out _, out int stats);
                    m.EncodingStats = new List<PageEncodingStats>(stats);
                    for (int i = 0; i < stats; i++)
                    {
                        m.EncodingStats.Add(PageEncodingStats.Read(ref r));
                    }

                    break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return m;
    }
}
