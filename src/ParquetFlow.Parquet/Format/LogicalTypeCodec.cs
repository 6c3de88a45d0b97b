using ParquetFlow.Parquet.Thrift;

namespace ParquetFlow.Parquet.Format;

/// <summary>Thrift form of the LogicalType union (the caller writes the enclosing struct begin/end).</summary>
internal static class LogicalTypeCodec
{
    public static void Write(ref ThriftCompactWriter w, LogicalType type)
    {
        w.FieldStructBegin((short)type.Kind);
        switch (type.Kind)
        {
            case LogicalTypeKind.Decimal:
                w.FieldI32(1, type.Scale);
                w.FieldI32(2, type.Precision);
                break;
            case LogicalTypeKind.Time:
            case LogicalTypeKind.Timestamp:
                w.FieldBool(1, type.IsAdjustedToUtc);
                w.FieldStructBegin(2);
                w.FieldStructBegin((short)type.Unit);
                w.StructEnd();
                w.StructEnd();
                break;
            case LogicalTypeKind.Integer:
                w.FieldI8(1, (sbyte)type.BitWidth);
                w.FieldBool(2, type.IsSigned);
                break;
        }

        w.StructEnd();
    }

    /// <summary>Reads the union; returns null for a member this library does not model.</summary>
    public static LogicalType? Read(ref ThriftCompactReader r)
    {
        LogicalType? result = null;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            if (type != CompactType.Struct)
            {
                r.Skip(type);
                continue;
            }

            switch ((LogicalTypeKind)id)
            {
                case LogicalTypeKind.String: r.Skip(type); result = LogicalType.String(); break;
                case LogicalTypeKind.Date: r.Skip(type); result = LogicalType.Date(); break;
                case LogicalTypeKind.Json: r.Skip(type); result = LogicalType.Json(); break;
                case LogicalTypeKind.Enum: r.Skip(type); result = LogicalType.Enum(); break;
                case LogicalTypeKind.Uuid: r.Skip(type); result = LogicalType.Uuid(); break;
                case LogicalTypeKind.Map or LogicalTypeKind.List or LogicalTypeKind.Unknown or LogicalTypeKind.Bson or LogicalTypeKind.Float16:
                    // Annotations this library never writes but describes when it reads them (nested groups, ...).
                    r.Skip(type);
                    result = LogicalType.Annotation((LogicalTypeKind)id);
                    break;
                case LogicalTypeKind.Decimal: result = ReadDecimal(ref r); break;
                case LogicalTypeKind.Integer: result = ReadInteger(ref r); break;
                case LogicalTypeKind.Time: result = ReadTime(ref r, isTimestamp: false); break;
                case LogicalTypeKind.Timestamp: result = ReadTime(ref r, isTimestamp: true); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return result;
    }

    private static LogicalType ReadDecimal(ref ThriftCompactReader r)
    {
        int scale = 0;
        int precision = 0;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: scale = r.ReadI32(); break;
                case 2 when type == CompactType.I32: precision = r.ReadI32(); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return LogicalType.Decimal(Math.Max(precision, 1), Math.Clamp(scale, 0, Math.Max(precision, 1)));
    }

    private static LogicalType ReadInteger(ref ThriftCompactReader r)
    {
        int bits = 64;
        bool signed = true;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            switch (id)
            {
                case 1 when type == CompactType.Byte: bits = r.ReadI8(); break;
                case 2 when ThriftCompactReader.IsBool(type): signed = r.ReadBool(); break;
                default: r.Skip(type); break;
            }
        }

        r.StructEnd();
        return LogicalType.Integer(bits is 8 or 16 or 32 or 64 ? bits : 64, signed);
    }

    private static LogicalType ReadTime(ref ThriftCompactReader r, bool isTimestamp)
    {
        bool utc = true;
        TimeUnit unit = TimeUnit.Millis;
        r.StructBegin();
        while (r.NextField(out short id, out CompactType type))
        {
            if (id == 1 && ThriftCompactReader.IsBool(type))
            {
                utc = r.ReadBool();
            }
            else if (id == 2 && type == CompactType.Struct)
            {
                r.StructBegin();
                while (r.NextField(out short unitId, out CompactType unitType))
                {
                    unit = (TimeUnit)unitId;
                    r.Skip(unitType);
                }

                r.StructEnd();
            }
            else
            {
                r.Skip(type);
            }
        }

        r.StructEnd();
        return isTimestamp ? LogicalType.Timestamp(unit, utc) : LogicalType.Time(unit, utc);
    }
}
