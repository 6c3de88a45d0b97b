namespace ParquetFlow.Ipc;

/// <summary>One column of a <see cref="SharedRingSchema"/>: its name, type and byte offset from the start of a row.</summary>
/// <param name="Name">Column name.</param>
/// <param name="Type">Value type.</param>
/// <param name="Offset">Byte offset from the start of the row (the 8-byte sequence stamp is at 0, so this is at least 8).</param>
public sealed record SharedRingColumn(string Name, SharedColumnType Type, int Offset)
{
    /// <summary>Bytes one value takes.</summary>
    public int Size => SizeOf(Type);

    /// <summary>The type's name in the schema JSON (<c>f64</c>, <c>timestamp_ns</c>, ...).</summary>
    public string TypeName => NameOf(Type);

    /// <summary>Bytes one value of <paramref name="type"/> takes.</summary>
    public static int SizeOf(SharedColumnType type) => type switch
    {
        SharedColumnType.F64 or SharedColumnType.I64 or SharedColumnType.U64 or SharedColumnType.TimestampNs => 8,
        SharedColumnType.F32 or SharedColumnType.I32 or SharedColumnType.U32 => 4,
        SharedColumnType.I16 or SharedColumnType.U16 => 2,
        SharedColumnType.U8 or SharedColumnType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown column type"),
    };

    /// <summary>The schema JSON name of <paramref name="type"/>.</summary>
    public static string NameOf(SharedColumnType type) => type switch
    {
        SharedColumnType.F64 => "f64",
        SharedColumnType.F32 => "f32",
        SharedColumnType.I64 => "i64",
        SharedColumnType.I32 => "i32",
        SharedColumnType.I16 => "i16",
        SharedColumnType.U64 => "u64",
        SharedColumnType.U32 => "u32",
        SharedColumnType.U16 => "u16",
        SharedColumnType.U8 => "u8",
        SharedColumnType.Bool => "bool",
        SharedColumnType.TimestampNs => "timestamp_ns",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown column type"),
    };

    /// <summary>Parses a schema JSON type name; false for an unknown one.</summary>
    public static bool TryParseType(string name, out SharedColumnType type)
    {
        foreach (SharedColumnType t in Enum.GetValues<SharedColumnType>())
        {
            if (NameOf(t) == name)
            {
                type = t;
                return true;
            }
        }

        type = default;
        return false;
    }
}
