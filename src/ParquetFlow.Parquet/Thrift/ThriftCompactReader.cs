using System.Buffers.Binary;
using System.Text;

namespace ParquetFlow.Parquet.Thrift;

/// <summary>
/// Reads the Thrift compact protocol from a span. Unknown fields are skipped, so metadata written by newer
/// writers reads. Malformed input throws <see cref="ParquetFormatException"/> with the offset, and nothing else:
/// every count and length read is bounded by the bytes that remain (each element of a list or map takes at least
/// one byte), and structs, lists and maps nest at most <see cref="MaxDepth"/> deep, so no input makes the reader
/// allocate more than a small multiple of its length or recurse without bound.
/// </summary>
internal ref struct ThriftCompactReader
{
    /// <summary>How deep structs, lists and maps may nest (the Parquet format nests five deep at most).</summary>
    public const int MaxDepth = 64;
    private readonly ReadOnlySpan<byte> _data;
    private int _position;
    private short _lastFieldId;
    private int _depth;
    private bool? _pendingBool;
    private Span<short> _parents;

    public ThriftCompactReader(ReadOnlySpan<byte> data, Span<short> parentStack)
    {
        _data = data;
        _position = 0;
        _lastFieldId = 0;
        _depth = 0;
        _pendingBool = null;
        _parents = parentStack;
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes not read yet.</summary>
    public readonly int Remaining => _data.Length - _position;

    public void StructBegin()
    {
        if (_depth >= MaxDepth || _depth >= _parents.Length)
        {
            throw Error($"structs nested more than {Math.Min(MaxDepth, _parents.Length)} deep");
        }

        _parents[_depth++] = _lastFieldId;
        _lastFieldId = 0;
    }

    public void StructEnd()
    {
        _lastFieldId = _parents[--_depth];
    }

    /// <summary>Reads the next field header; returns false at the struct's stop byte.</summary>
    public bool NextField(out short id, out CompactType type)
    {
        byte header = ReadByte();
        type = (CompactType)(header & 0x0F);
        if (type == CompactType.Stop)
        {
            id = 0;
            return false;
        }

        int delta = header >> 4;
        id = delta != 0 ? (short)(_lastFieldId + delta) : (short)ReadZigZag32();
        _lastFieldId = id;
        if (type == CompactType.BooleanTrue || type == CompactType.BooleanFalse)
        {
            _pendingBool = type == CompactType.BooleanTrue;
        }
        else if (type > CompactType.Struct)
        {
            throw Error($"unknown compact type {(int)type}");
        }

        return true;
    }

    public bool ReadBool()
    {
        if (_pendingBool is bool value)
        {
            _pendingBool = null;
            return value;
        }

        return ReadByte() == (byte)CompactType.BooleanTrue;
    }

    public sbyte ReadI8() => (sbyte)ReadByte();

    public short ReadI16() => (short)ReadZigZag32();

    public int ReadI32() => ReadZigZag32();

    public long ReadI64()
    {
        ulong raw = ReadVarint();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    public double ReadDouble()
    {
        Need(8);
        double value = BinaryPrimitives.ReadDoubleLittleEndian(_data[_position..]);
        _position += 8;
        return value;
    }

    public ReadOnlySpan<byte> ReadBinary()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw Error($"binary of {length} bytes runs past the end", ranOut: true);
        }

        ReadOnlySpan<byte> value = _data.Slice(_position, (int)length);
        _position += (int)length;
        return value;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBinary());

    /// <summary>
    /// Reads a list (or set) header. The count is checked against the bytes that remain: every element takes at least
    /// one byte (a boolean, a varint, a length, a struct's stop byte), a double eight.
    /// </summary>
    public void ReadListHeader(out CompactType elementType, out int count)
    {
        byte header = ReadByte();
        elementType = (CompactType)(header & 0x0F);
        ulong size = (ulong)(header >> 4);
        if (size == 15)
        {
            size = ReadVarint();
        }

        if (elementType is CompactType.Stop or > CompactType.Struct)
        {
            throw Error($"list of unknown element type {(int)elementType}");
        }

        ulong minimum = elementType == CompactType.Double ? 8UL : 1UL;
        if (size > (ulong)Remaining / minimum)
        {
            throw Error($"list of {size} elements cannot fit in the {Remaining} bytes that remain", ranOut: true);
        }

        count = (int)size;
    }

    /// <summary>
    /// Reads a list header whose elements must be of <paramref name="expected"/> type (booleans may be written with
    /// either boolean nibble); returns the element count.
    /// </summary>
    public int ReadListHeader(CompactType expected)
    {
        ReadListHeader(out CompactType elementType, out int count);
        bool matches = elementType == expected
            || (expected is CompactType.BooleanTrue or CompactType.BooleanFalse && elementType is CompactType.BooleanTrue or CompactType.BooleanFalse);
        if (!matches && count > 0)
        {
            throw Error($"list of element type {(int)elementType} where type {(int)expected} was expected");
        }

        return count;
    }

    /// <summary>Skips a value of the given type (for fields this reader does not know).</summary>
    public void Skip(CompactType type)
    {
        switch (type)
        {
            case CompactType.BooleanTrue:
            case CompactType.BooleanFalse:
                ReadBool();
                break;
            case CompactType.Byte:
                ReadByte();
                break;
            case CompactType.I16:
            case CompactType.I32:
            case CompactType.I64:
                ReadVarint();
                break;
            case CompactType.Double:
                Need(8);
                _position += 8;
                break;
            case CompactType.Binary:
                ReadBinary();
                break;
            case CompactType.List:
            case CompactType.Set:
            {
                ReadListHeader(out CompactType elementType, out int count);
                EnterContainer();
                for (int i = 0; i < count; i++)
                {
                    SkipElement(elementType);
                }

                _depth--;
                break;
            }

            case CompactType.Map:
            {
                ulong entries = ReadVarint();
                if (entries > 0)
                {
                    byte kinds = ReadByte();
                    var keyType = (CompactType)(kinds >> 4);
                    var valueType = (CompactType)(kinds & 0x0F);
                    if (keyType is CompactType.Stop or > CompactType.Struct || valueType is CompactType.Stop or > CompactType.Struct)
                    {
                        throw Error($"map of unknown key or value type 0x{kinds:X2}");
                    }

                    // Each entry takes a byte for its key and one for its value at least.
                    if (entries > (ulong)Remaining / 2)
                    {
                        throw Error($"map of {entries} entries cannot fit in the {Remaining} bytes that remain", ranOut: true);
                    }

                    EnterContainer();
                    for (ulong i = 0; i < entries; i++)
                    {
                        SkipElement(keyType);
                        SkipElement(valueType);
                    }

                    _depth--;
                }

                break;
            }

            case CompactType.Struct:
                StructBegin();
                while (NextField(out _, out CompactType fieldType))
                {
                    Skip(fieldType);
                }

                StructEnd();
                break;
            default:
                throw Error($"cannot skip compact type {(int)type}");
        }
    }

    /// <summary>Counts a list or map being skipped toward the nesting bound (lists of lists recurse as structs do).</summary>
    private void EnterContainer()
    {
        if (_depth >= MaxDepth || _depth >= _parents.Length)
        {
            throw Error($"lists and structs nested more than {Math.Min(MaxDepth, _parents.Length)} deep");
        }

        _depth++;
    }

    private void SkipElement(CompactType type)
    {
        if (type == CompactType.BooleanTrue || type == CompactType.BooleanFalse)
        {
            ReadByte();
        }
        else
        {
            Skip(type);
        }
    }

    private byte ReadByte()
    {
        Need(1);
        return _data[_position++];
    }

    private int ReadZigZag32()
    {
        ulong raw = ReadVarint();
        return (int)((uint)(raw >> 1) ^ (uint)-(int)(raw & 1));
    }

    private ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            byte b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw Error("varint longer than 10 bytes");
    }

    private readonly void Need(int count)
    {
        if (_data.Length - _position < count)
        {
            throw Error("unexpected end of Thrift data", ranOut: true);
        }
    }

    /// <summary>True for either boolean type nibble (a boolean field carries its value in its type).</summary>
    public static bool IsBool(CompactType type) => type is CompactType.BooleanTrue or CompactType.BooleanFalse;

    /// <summary>The refusal for a struct that ended without one of its required fields.</summary>
    public readonly ParquetFormatException Missing(string structName, string fieldName, short id) =>
        Error($"{structName} lacks its required field {fieldName} ({id})");

    /// <summary>A refusal at the current position, for checks the struct readers make of the values they read.</summary>
    public readonly ParquetFormatException Invalid(string reason) => Error(reason);

    private readonly ParquetFormatException Error(string reason, bool ranOut = false) =>
        new($"Thrift compact: {reason} at byte {_position}", _position) { RanOutOfData = ranOut };
}
