// Row layout of a SharedRing: columns at naturally aligned offsets after the 8-byte stamp; serialized as JSON in the header.
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ParquetFlow.Ipc;

/// <summary>The columns of a <see cref="SharedRingProducer"/>'s rows and where each lives in a row. Immutable.</summary>
/// <remarks>A row is <see cref="RowSize"/> bytes: the sequence stamp (u64, owned by the ring) at offset 0, then the columns
/// in declaration order, each aligned to its own size; the stride is rounded up to 8 bytes.</remarks>
public sealed class SharedRingSchema : IEquatable<SharedRingSchema>
{
    private SharedRingSchema(IReadOnlyList<SharedRingColumn> columns, int rowSize)
    {
        Columns = columns;
        RowSize = rowSize;
    }

    /// <summary>The columns in declaration order.</summary>
    public IReadOnlyList<SharedRingColumn> Columns { get; }

    /// <summary>Bytes per row, stamp included (the row stride in the segment).</summary>
    public int RowSize { get; }

    /// <summary>Lays out <paramref name="columns"/> (name, type) in order.</summary>
    /// <exception cref="ArgumentException">No columns, an empty or duplicate name, or a name longer than 64 bytes.</exception>
    public static SharedRingSchema Create(IEnumerable<(string Name, SharedColumnType Type)> columns)
    {
        var laid = new List<SharedRingColumn>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        int offset = SharedRingLayout.StampSize;
        foreach ((string name, SharedColumnType type) in columns)
        {
            if (string.IsNullOrEmpty(name) || Encoding.UTF8.GetByteCount(name) > 64 || !names.Add(name))
            {
                throw new ArgumentException($"column name '{name}' is empty, longer than 64 bytes or repeated", nameof(columns));
            }

            int size = SharedRingColumn.SizeOf(type);
            offset = (offset + size - 1) & -size;
            laid.Add(new SharedRingColumn(name, type, offset));
            offset += size;
        }

        if (laid.Count == 0)
        {
            throw new ArgumentException("a schema needs at least one column", nameof(columns));
        }

        return new SharedRingSchema(laid, (offset + 7) & -8);
    }

    /// <summary>Index of the column named <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The schema JSON stored in the segment header (docs/formats.md).</summary>
    public string ToJson(long capacity)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteNumber("version", SharedRingLayout.CurrentVersion);
            json.WriteString("layout", "row-major-seqlock");
            json.WriteNumber("capacity", capacity);
            json.WriteNumber("row_size", RowSize);
            json.WriteNumber("stamp_offset", 0);
            json.WriteStartArray("columns");
            foreach (SharedRingColumn c in Columns)
            {
                json.WriteStartObject();
                json.WriteString("name", c.Name);
                json.WriteString("type", c.TypeName);
                json.WriteNumber("offset", c.Offset);
                json.WriteNumber("size", c.Size);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Reads the schema JSON of a segment and checks that its offsets are the ones this layout produces.</summary>
    /// <exception cref="FormatException">Malformed JSON, an unknown type, or offsets that disagree with the layout rule.</exception>
    public static SharedRingSchema FromJson(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var columns = new List<(string, SharedColumnType)>();
            var offsets = new List<int>();
            foreach (JsonElement c in doc.RootElement.GetProperty("columns").EnumerateArray())
            {
                string type = c.GetProperty("type").GetString() ?? "";
                if (!SharedRingColumn.TryParseType(type, out SharedColumnType t))
                {
                    throw new FormatException($"unknown column type '{type}'");
                }

                columns.Add((c.GetProperty("name").GetString() ?? "", t));
                offsets.Add(c.GetProperty("offset").GetInt32());
            }

            SharedRingSchema schema = Create(columns);
            for (int i = 0; i < offsets.Count; i++)
            {
                if (schema.Columns[i].Offset != offsets[i])
                {
                    throw new FormatException($"column '{schema.Columns[i].Name}' is at offset {offsets[i]}, the layout puts it at {schema.Columns[i].Offset}");
                }
            }

            if (doc.RootElement.GetProperty("row_size").GetInt32() != schema.RowSize)
            {
                throw new FormatException($"row_size disagrees with the columns ({schema.RowSize})");
            }

            return schema;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"bad schema JSON: {e.Message}", e);
        }
    }

    /// <summary>Parses <paramref name="text"/> as column <paramref name="column"/>'s type and stores it in <paramref name="row"/>.</summary>
    /// <remarks>Timestamps take integer nanoseconds or an ISO 8601 date-time (UTC); bools take true/false/1/0.</remarks>
    /// <exception cref="FormatException">The text is not a value of that type.</exception>
    public void WriteValue(Span<byte> row, int column, string text)
    {
        SharedRingColumn c = Columns[column];
        Span<byte> at = row.Slice(c.Offset, c.Size);
        CultureInfo inv = CultureInfo.InvariantCulture;
        switch (c.Type)
        {
            case SharedColumnType.F64: BinaryPrimitives.WriteDoubleLittleEndian(at, double.Parse(text, inv)); break;
            case SharedColumnType.F32: BinaryPrimitives.WriteSingleLittleEndian(at, float.Parse(text, inv)); break;
            case SharedColumnType.I64: BinaryPrimitives.WriteInt64LittleEndian(at, long.Parse(text, inv)); break;
            case SharedColumnType.I32: BinaryPrimitives.WriteInt32LittleEndian(at, int.Parse(text, inv)); break;
            case SharedColumnType.I16: BinaryPrimitives.WriteInt16LittleEndian(at, short.Parse(text, inv)); break;
            case SharedColumnType.U64: BinaryPrimitives.WriteUInt64LittleEndian(at, ulong.Parse(text, inv)); break;
            case SharedColumnType.U32: BinaryPrimitives.WriteUInt32LittleEndian(at, uint.Parse(text, inv)); break;
            case SharedColumnType.U16: BinaryPrimitives.WriteUInt16LittleEndian(at, ushort.Parse(text, inv)); break;
            case SharedColumnType.U8: at[0] = byte.Parse(text, inv); break;
            case SharedColumnType.Bool:
                at[0] = text switch
                {
                    "1" or "true" or "True" => 1,
                    "0" or "false" or "False" => 0,
                    _ => throw new FormatException($"'{text}' is not a bool"),
                };
                break;
            case SharedColumnType.TimestampNs:
                long ns = long.TryParse(text, NumberStyles.Integer, inv, out long n)
                    ? n
                    : (DateTimeOffset.Parse(text, inv, DateTimeStyles.AssumeUniversal) - DateTimeOffset.UnixEpoch).Ticks * 100;
                BinaryPrimitives.WriteInt64LittleEndian(at, ns);
                break;
        }
    }

    /// <summary>Column <paramref name="column"/> of <paramref name="row"/> as invariant text (timestamps as integer ns).</summary>
    public string FormatValue(ReadOnlySpan<byte> row, int column)
    {
        SharedRingColumn c = Columns[column];
        ReadOnlySpan<byte> at = row.Slice(c.Offset, c.Size);
        CultureInfo inv = CultureInfo.InvariantCulture;
        return c.Type switch
        {
            SharedColumnType.F64 => BinaryPrimitives.ReadDoubleLittleEndian(at).ToString("R", inv),
            SharedColumnType.F32 => BinaryPrimitives.ReadSingleLittleEndian(at).ToString("R", inv),
            SharedColumnType.I64 or SharedColumnType.TimestampNs => BinaryPrimitives.ReadInt64LittleEndian(at).ToString(inv),
            SharedColumnType.I32 => BinaryPrimitives.ReadInt32LittleEndian(at).ToString(inv),
            SharedColumnType.I16 => BinaryPrimitives.ReadInt16LittleEndian(at).ToString(inv),
            SharedColumnType.U64 => BinaryPrimitives.ReadUInt64LittleEndian(at).ToString(inv),
            SharedColumnType.U32 => BinaryPrimitives.ReadUInt32LittleEndian(at).ToString(inv),
            SharedColumnType.U16 => BinaryPrimitives.ReadUInt16LittleEndian(at).ToString(inv),
            SharedColumnType.U8 => at[0].ToString(inv),
            SharedColumnType.Bool => at[0] != 0 ? "true" : "false",
            _ => throw new InvalidOperationException(),
        };
    }

    /// <inheritdoc/>
    public bool Equals(SharedRingSchema? other) => other is not null && RowSize == other.RowSize && Columns.SequenceEqual(other.Columns);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as SharedRingSchema);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(RowSize, Columns.Count);
}
