using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Format;

/// <summary>One node of the flattened schema tree in the footer.</summary>
public sealed class SchemaElement
{
    public PhysicalType? Type { get; set; }

    public int? TypeLength { get; set; }

    public Repetition? RepetitionType { get; set; }

    public string Name { get; set; } = string.Empty;

    public int? NumChildren { get; set; }

    public ConvertedType? ConvertedType { get; set; }

    public int? Scale { get; set; }

    public int? Precision { get; set; }

    public int? FieldId { get; set; }

    public LogicalType? LogicalType { get; set; }

    internal void Write(ref ThriftCompactWriter w)
    {
        w.StructBegin();
        if (Type is PhysicalType type)
        {
            w.FieldI32(1, (int)type);
        }

        if (TypeLength is int length)
        {
            w.FieldI32(2, length);
        }

        if (RepetitionType is Repetition repetition)
        {
            w.FieldI32(3, (int)repetition);
        }

        w.FieldString(4, Name);
        if (NumChildren is int children)
        {
            w.FieldI32(5, children);
        }

        if (ConvertedType is ConvertedType converted)
        {
            w.FieldI32(6, (int)converted);
        }

        if (Scale is int scale)
        {
            w.FieldI32(7, scale);
        }

        if (Precision is int precision)
        {
            w.FieldI32(8, precision);
        }

        if (FieldId is int fieldId)
        {
            w.FieldI32(9, fieldId);
        }

        if (LogicalType is not null)
        {
            w.FieldStructBegin(10);
            LogicalTypeCodec.Write(ref w, LogicalType);
            w.StructEnd();
        }

        w.StructEnd();
    }

    internal static SchemaElement Read(ref ThriftCompactReader r)
    {
        var e = new SchemaElement();
        bool name = false;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: e.Type = (PhysicalType)r.ReadI32(); break;
                case 2 when type == CompactType.I32: e.TypeLength = r.ReadI32(); break;
                case 3 when type == CompactType.I32: e.RepetitionType = (Repetition)r.ReadI32(); break;
                case 4 when type == CompactType.Binary:
                    e.Name = r.ReadString();
                    name = true;
                    break;
                case 5 when type == CompactType.I32: e.NumChildren = r.ReadI32(); break;
                case 6 when type == CompactType.I32: e.ConvertedType = (ConvertedType)r.ReadI32(); break;
                case 7 when type == CompactType.I32: e.Scale = r.ReadI32(); break;
                case 8 when type == CompactType.I32: e.Precision = r.ReadI32(); break;
                case 9 when type == CompactType.I32: e.FieldId = r.ReadI32(); break;
                case 10 when type == CompactType.Struct: e.LogicalType = LogicalTypeCodec.Read(ref r); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        if (!name)
        {
            throw r.Missing("SchemaElement", "name", 4);
        }

        return e;
    }
}
