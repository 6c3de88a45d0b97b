using System.Buffers.Binary;
using System.Text;

namespace ParquetFlow.Parquet.Thrift;

/// <summary>
/// Reads the Thrift compact protocol from a span. Unknown fields are skipped, so metadata written by newer
/// writers reads. Malformed input throws <see cref="ParquetFormatException"/> with the offset.
/// </summary>
internal ref struct ThriftCompactReader
{
    private const int MaxDepth = 64;
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

    public void StructBegin()
    {
        if (_depth >= MaxDepth || _depth >= _parents.Length)
        {
            throw Error("structs nested too deeply");
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
            throw Error($"binary of {length} bytes runs past the end");
        }

        ReadOnlySpan<byte> value = _data.Slice(_position, (int)length);
        _position += (int)length;
        return value;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBinary());

    public void ReadListHeader(out CompactType elementType, out int count)
    {
        byte header = ReadByte();
        elementType = (CompactType)(header & 0x0F);
        int size = header >> 4;
        if (size == 15)
        {
            ulong big = ReadVarint();
            if (big > int.MaxValue)
            {
                throw Error("list too long");
            }

            size = (int)big;
        }

        if (size > _data.Length - _position && elementType != CompactType.BooleanTrue && elementType != CompactType.BooleanFalse)
        {
            throw Error($"list of {size} elements cannot fit in the remaining bytes");
        }

        count = size;
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
                ReadListHeader(out CompactType elementType, out int count);
                for (int i = 0; i < count; i++)
                {
                    SkipElement(elementType);
                }

                break;
            case CompactType.Map:
                ulong entries = ReadVarint();
                if (entries > 0)
                {
                    byte kinds = ReadByte();
                    for (ulong i = 0; i < entries; i++)
                    {
                        SkipElement((CompactType)(kinds >> 4));
                        SkipElement((CompactType)(kinds & 0x0F));
                    }
                }

                break;
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
            throw Error("unexpected end of Thrift data");
        }
    }

    private readonly ParquetFormatException Error(string reason) => new($"Thrift compact: {reason} at byte {_position}", _position);
}
