using System.Buffers;
using System.Text;

namespace ParquetFlow.Sink;

/// <summary>
/// Just enough of the Thrift compact protocol to rebuild a footer during recovery: skipping over fields of a
/// serialized struct, and writing the row-group part of <c>FileMetaData</c>. (ParquetFlow.Parquet's own Thrift
/// writer and <c>FileMetaData.Write</c> are internal.)
/// </summary>
internal static class CompactThrift
{
    public const byte TypeBoolTrue = 1;
    public const byte TypeBoolFalse = 2;
    public const byte TypeByte = 3;
    public const byte TypeI16 = 4;
    public const byte TypeI32 = 5;
    public const byte TypeI64 = 6;
    public const byte TypeDouble = 7;
    public const byte TypeBinary = 8;
    public const byte TypeList = 9;
    public const byte TypeSet = 10;
    public const byte TypeMap = 11;
    public const byte TypeStruct = 12;

    /// <summary>The top-level fields of a serialized struct: id, start of the field header, end of the value.</summary>
    public static List<(short Id, int Start, int End)> TopLevelFields(ReadOnlySpan<byte> data)
    {
        var fields = new List<(short, int, int)>();
        int position = 0;
        short last = 0;
        while (true)
        {
            int start = position;
            byte header = ReadByte(data, ref position);
            if (header == 0)
            {
                return fields;
            }

            byte type = (byte)(header & 0x0F);
            int delta = header >> 4;
            short id = delta != 0 ? (short)(last + delta) : (short)ZigZag(ReadVarint(data, ref position));
            last = id;
            SkipValue(data, ref position, type, 0);
            fields.Add((id, start, position));
        }
    }

    private static void SkipValue(ReadOnlySpan<byte> data, ref int position, byte type, int depth)
    {
        if (depth > 32)
        {
            throw new InvalidDataException("Thrift nesting too deep");
        }

        switch (type)
        {
            case TypeBoolTrue:
            case TypeBoolFalse:
                break;
            case TypeByte:
                ReadByte(data, ref position);
                break;
            case TypeI16:
            case TypeI32:
            case TypeI64:
                ReadVarint(data, ref position);
                break;
            case TypeDouble:
                Advance(data, ref position, 8);
                break;
            case TypeBinary:
                Advance(data, ref position, checked((int)ReadVarint(data, ref position)));
                break;
            case TypeList:
            case TypeSet:
                {
                    byte header = ReadByte(data, ref position);
                    long size = header >> 4;
                    if (size == 15)
                    {
                        size = (long)ReadVarint(data, ref position);
                    }

                    byte element = (byte)(header & 0x0F);
                    for (long i = 0; i < size; i++)
                    {
                        // Booleans inside a list take one byte each.
                        if (element is TypeBoolTrue or TypeBoolFalse)
                        {
                            ReadByte(data, ref position);
                        }
                        else
                        {
                            SkipValue(data, ref position, element, depth + 1);
                        }
                    }

                    break;
                }

            case TypeMap:
                {
                    long size = (long)ReadVarint(data, ref position);
                    if (size > 0)
                    {
                        byte types = ReadByte(data, ref position);
                        for (long i = 0; i < size; i++)
                        {
                            SkipValue(data, ref position, (byte)(types >> 4), depth + 1);
                            SkipValue(data, ref position, (byte)(types & 0x0F), depth + 1);
                        }
                    }

                    break;
                }

            case TypeStruct:
                {
                    while (true)
                    {
                        byte header = ReadByte(data, ref position);
                        if (header == 0)
                        {
                            break;
                        }

                        if (header >> 4 == 0)
                        {
                            ReadVarint(data, ref position);
                        }

                        SkipValue(data, ref position, (byte)(header & 0x0F), depth + 1);
                    }

                    break;
                }

            default:
                throw new InvalidDataException($"unknown Thrift compact type {type}");
        }
    }

    private static byte ReadByte(ReadOnlySpan<byte> data, ref int position)
    {
        if (position >= data.Length)
        {
            throw new InvalidDataException("Thrift struct ends early");
        }

        return data[position++];
    }

    private static void Advance(ReadOnlySpan<byte> data, ref int position, int count)
    {
        if (count < 0 || position + count > data.Length)
        {
            throw new InvalidDataException("Thrift value runs past the end");
        }

        position += count;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = ReadByte(data, ref position);
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException("Thrift varint too long");
    }

    private static long ZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    /// <summary>A forward-only compact-protocol writer with field-id deltas.</summary>
    public sealed class Writer(ArrayBufferWriter<byte> output)
    {
        private readonly Stack<short> _lastIds = new();
        private short _lastId;

        public void StructBegin()
        {
            _lastIds.Push(_lastId);
            _lastId = 0;
        }

        public void StructEnd()
        {
            WriteByte(0);
            _lastId = _lastIds.Pop();
        }

        /// <summary>Continues after raw bytes whose last field had id <paramref name="id"/>.</summary>
        public void ContinueAfterField(short id) => _lastId = id;

        public void FieldHeader(short id, byte type)
        {
            int delta = id - _lastId;
            if (delta is > 0 and <= 15)
            {
                WriteByte((byte)((delta << 4) | type));
            }
            else
            {
                WriteByte(type);
                WriteVarint(ZigZag((long)id));
            }

            _lastId = id;
        }

        public void FieldI64(short id, long value)
        {
            FieldHeader(id, TypeI64);
            WriteVarint(ZigZag(value));
        }

        public void FieldI32(short id, int value)
        {
            FieldHeader(id, TypeI32);
            WriteVarint(ZigZag(value));
        }

        public void FieldI16(short id, short value)
        {
            FieldHeader(id, TypeI16);
            WriteVarint(ZigZag(value));
        }

        public void ListHeader(int count, byte elementType)
        {
            if (count < 15)
            {
                WriteByte((byte)((count << 4) | elementType));
            }
            else
            {
                WriteByte((byte)(0xF0 | elementType));
                WriteVarint((ulong)count);
            }
        }

        public void I32(int value) => WriteVarint(ZigZag(value));

        public void Binary(string value)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(value);
            WriteVarint((ulong)bytes.Length);
            output.Write(bytes);
        }

        public void Raw(ReadOnlySpan<byte> bytes) => output.Write(bytes);

        private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

        private void WriteByte(byte value)
        {
            output.GetSpan(1)[0] = value;
            output.Advance(1);
        }

        private void WriteVarint(ulong value)
        {
            while (value >= 0x80)
            {
                WriteByte((byte)(value | 0x80));
                value >>= 7;
            }

            WriteByte((byte)value);
        }
    }
}
