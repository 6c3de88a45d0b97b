using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ParquetFlow.Parquet.IO;

/// <summary>
/// A growable byte buffer backed by <see cref="ArrayPool{T}"/>, reused across pages and row groups.
/// Not thread-safe; one owner at a time.
/// </summary>
public sealed class ByteBuffer : IBufferWriter<byte>, IDisposable
{
    private readonly int _initialCapacity;
    private byte[] _buffer;
    private int _length;

    /// <summary>Creates a buffer with at least <paramref name="initialCapacity"/> bytes.</summary>
    public ByteBuffer(int initialCapacity = 4096)
    {
        _initialCapacity = Math.Max(initialCapacity, 64);
        _buffer = ArrayPool<byte>.Shared.Rent(_initialCapacity);
    }

    /// <summary>
    /// Forgets the content and hands the memory back to the pool; the next write rents it again. A writer that keeps many
    /// files open (a collector's thousand partitions) holds no page buffers between its row groups.
    /// </summary>
    public void Release()
    {
        _length = 0;
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The bytes written so far; valid until the next write.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>The bytes written so far as memory; valid until the next write.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    /// <summary>Forgets the content, keeps the capacity.</summary>
    public void Clear() => _length = 0;

    /// <inheritdoc/>
    public void Advance(int count)
    {
        Debug.Assert(count >= 0 && _length + count <= _buffer.Length);
        _length += count;
    }

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_length);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_length);
    }

    /// <summary>Appends bytes.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>Appends one byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value)
    {
        if (_length == _buffer.Length)
        {
            Grow(1);
        }

        _buffer[_length++] = value;
    }

    /// <summary>Appends an unsigned LEB128 varint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteVarint(ulong value)
    {
        if (_length + 10 > _buffer.Length)
        {
            Grow(10);
        }

        byte[] buffer = _buffer;
        int i = _length;
        while (value >= 0x80)
        {
            buffer[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[i++] = (byte)value;
        _length = i;
    }

    /// <summary>Appends a value in its little-endian in-memory representation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUnmanaged<T>(T value)
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        if (_length + size > _buffer.Length)
        {
            Grow(size);
        }

        Unsafe.WriteUnaligned(ref _buffer[_length], value);
        _length += size;
    }

    /// <summary>Ensures <paramref name="count"/> more bytes fit without growing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Grow(count);
        }
    }

    /// <summary>Overwrites 4 bytes at <paramref name="offset"/> (for length prefixes written after the fact).</summary>
    public void PatchInt32(int offset, int value)
    {
        Debug.Assert(offset >= 0 && offset + 4 <= _length);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(offset), value);
    }

    private void Grow(int count)
    {
        long needed = (long)_length + count;
        if (needed > Array.MaxLength)
        {
            throw new InvalidOperationException("A single Parquet buffer cannot exceed 2 GiB; use smaller pages or row groups.");
        }

        long newSize = Math.Max(Math.Max(needed, _initialCapacity), Math.Min((long)_buffer.Length * 2, Array.MaxLength));
        byte[] next = ArrayPool<byte>.Shared.Rent((int)newSize);
        _buffer.AsSpan(0, _length).CopyTo(next);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = next;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
