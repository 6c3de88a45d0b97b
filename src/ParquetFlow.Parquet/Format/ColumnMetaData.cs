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
        // The required fields, as bits by field id: type, encodings, path_in_schema, codec, num_values,
        // total_uncompressed_size, total_compressed_size, data_page_offset.
        const int required = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 9);
        int seen = 0;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: m.Type = (PhysicalType)r.ReadI32(); break;
                case 2 when type == CompactType.List:
                    int encodings = r.ReadListHeader(CompactType.I32);
                    for (int i = 0; i < encodings; i++)
                    {
                        m.Encodings.Add((ParquetEncoding)r.ReadI32());
                    }

                    break;
                case 3 when type == CompactType.List:
                    int parts = r.ReadListHeader(CompactType.Binary);
                    for (int i = 0; i < parts; i++)
                    {
                        m.PathInSchema.Add(r.ReadString());
                    }

                    break;
                case 4 when type == CompactType.I32: m.Codec = (CompressionCodec)r.ReadI32(); break;
                case 5 when type == CompactType.I64: m.NumValues = r.ReadI64(); break;
                case 6 when type == CompactType.I64: m.TotalUncompressedSize = r.ReadI64(); break;
                case 7 when type == CompactType.I64: m.TotalCompressedSize = r.ReadI64(); break;
                case 8 when type == CompactType.List:
                    int kvs = r.ReadListHeader(CompactType.Struct);
                    m.KeyValueMetadata = new List<KeyValue>(kvs);
                    for (int i = 0; i < kvs; i++)
                    {
                        m.KeyValueMetadata.Add(KeyValue.Read(ref r));
                    }

                    break;
                case 9 when type == CompactType.I64: m.DataPageOffset = r.ReadI64(); break;
                case 10 when type == CompactType.I64: m.IndexPageOffset = r.ReadI64(); break;
                case 11 when type == CompactType.I64: m.DictionaryPageOffset = r.ReadI64(); break;
                case 12 when type == CompactType.Struct: m.Statistics = Statistics.Read(ref r); break;
                case 13 when type == CompactType.List:
                    int stats = r.ReadListHeader(CompactType.Struct);
                    m.EncodingStats = new List<PageEncodingStats>(stats);
                    for (int i = 0; i < stats; i++)
                    {
                        m.EncodingStats.Add(PageEncodingStats.Read(ref r));
                    }

                    break;
                default:
                    r.Skip(type);
                    continue;
            }

            seen |= 1 << id;
        }

        r.StructEnd();
        if ((seen & required) != required)
        {
            int missing = required & ~seen;
            short first = (short)System.Numerics.BitOperations.TrailingZeroCount(missing);
            throw r.Missing("ColumnMetaData", FieldName(first), first);
        }

        return m;
    }

    private static string FieldName(short id) => id switch
    {
        1 => "type",
        2 => "encodings",
        3 => "path_in_schema",
        4 => "codec",
        5 => "num_values",
        6 => "total_uncompressed_size",
        7 => "total_compressed_size",
        _ => "data_page_offset",
    };
}
