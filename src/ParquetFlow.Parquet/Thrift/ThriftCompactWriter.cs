using System.Text;
using ParquetFlow.Parquet.IO;

namespace ParquetFlow.Parquet.Thrift;

/// <summary>
/// Writes the Thrift compact protocol (field-id deltas, zigzag varints) into a <see cref="ByteBuffer"/>.
/// Only what Parquet metadata uses: structs, lists, binary, bool, i8/i16/i32/i64, double.
/// </summary>
internal struct ThriftCompactWriter
{
    private readonly ByteBuffer _output;
    private readonly Stack<short> _parents;
    private short _lastFieldId;

    public ThriftCompactWriter(ByteBuffer output)
    {
        _output = output;
        _parents = new Stack<short>();
        _lastFieldId = 0;
    }

    public readonly ByteBuffer Output => _output;

    /// <summary>Serializes one struct into <paramref name="scratch"/> (cleared first) and returns a copy of its bytes.</summary>
    public static byte[] Serialize(ThriftStructWriter write, ByteBuffer scratch)
    {
        scratch.Clear();
        var w = new ThriftCompactWriter(scratch);
        write(ref w);
        return scratch.WrittenSpan.ToArray();
    }

    public void StructBegin()
    {
        _parents.Push(_lastFieldId);
        _lastFieldId = 0;
    }

    public void StructEnd()
    {
        _output.WriteByte((byte)CompactType.Stop);
        _lastFieldId = _parents.Pop();
    }

    public void FieldHeader(short id, CompactType type)
    {
        int delta = id - _lastFieldId;
        if (delta > 0 && delta <= 15)
        {
            _output.WriteByte((byte)((delta << 4) | (byte)type));
        }
        else
        {
            _output.WriteByte((byte)type);
            WriteZigZag(id);
        }

        _lastFieldId = id;
    }

    public void FieldBool(short id, bool value) => FieldHeader(id, value ? CompactType.BooleanTrue : CompactType.BooleanFalse);

    public void FieldI8(short id, sbyte value)
    {
        FieldHeader(id, CompactType.Byte);
        _output.WriteByte((byte)value);
    }

    public void FieldI16(short id, short value)
    {
        FieldHeader(id, CompactType.I16);
        WriteZigZag(value);
    }

    public void FieldI32(short id, int value)
    {
        FieldHeader(id, CompactType.I32);
        WriteZigZag(value);
    }

    public void FieldI64(short id, long value)
    {
        FieldHeader(id, CompactType.I64);
        WriteZigZag(value);
    }

    public void FieldDouble(short id, double value)
    {
        FieldHeader(id, CompactType.Double);
        _output.WriteUnmanaged(BitConverter.DoubleToInt64Bits(value));
    }

    public void FieldBinary(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, CompactType.Binary);
        Binary(value);
    }

    public void FieldString(short id, string value)
    {
        FieldHeader(id, CompactType.Binary);
        String(value);
    }

    /// <summary>Begins a struct-valued field; end it with <see cref="StructEnd"/>.</summary>
    public void FieldStructBegin(short id)
    {
        FieldHeader(id, CompactType.Struct);
        StructBegin();
    }

    /// <summary>Begins a list-valued field; its elements follow with the element writers.</summary>
    public void FieldListBegin(short id, CompactType elementType, int count)
    {
        FieldHeader(id, CompactType.List);
        ListHeader(elementType, count);
    }

    public void ListHeader(CompactType elementType, int count)
    {
        if (count < 15)
        {
            _output.WriteByte((byte)((count << 4) | (byte)elementType));
        }
        else
        {
            _output.WriteByte((byte)(0xF0 | (byte)elementType));
            _output.WriteVarint((uint)count);
        }
    }

    public readonly void ElementBool(bool value) => _output.WriteByte(value ? (byte)CompactType.BooleanTrue : (byte)CompactType.BooleanFalse);

    public readonly void ElementI32(int value) => WriteZigZag(value);

    public readonly void ElementI64(long value) => WriteZigZag(value);

    public readonly void Binary(ReadOnlySpan<byte> value)
    {
        _output.WriteVarint((uint)value.Length);
        _output.Write(value);
    }

    public readonly void String(string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max <= 256)
        {
            Span<byte> scratch = stackalloc byte[max];
            int n = Encoding.UTF8.GetBytes(value, scratch);
            Binary(scratch[..n]);
        }
        else
        {
            Binary(Encoding.UTF8.GetBytes(value));
        }
    }

    private readonly void WriteZigZag(long value) => _output.WriteVarint((ulong)((value << 1) ^ (value >> 63)));
}
