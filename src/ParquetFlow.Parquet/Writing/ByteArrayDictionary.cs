using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ParquetFlow.Parquet.IO;

namespace ParquetFlow.Parquet.Writing;

/// <summary>
/// Hash map from byte strings to dictionary indices; stores the entries already PLAIN-encoded (with a 4-byte
/// length prefix for BYTE_ARRAY, raw for FIXED_LEN_BYTE_ARRAY) so the dictionary page body is a copy.
/// </summary>
internal sealed class ByteArrayDictionary : IDisposable
{
    private readonly bool _lengthPrefixed;
    private readonly ByteBuffer _plain = new(4096);
    private readonly List<(int Offset, int Length)> _entries = [];
    private int[] _slots = new int[1024];

    public ByteArrayDictionary(bool lengthPrefixed)
    {
        _lengthPrefixed = lengthPrefixed;
    }

    public int Count => _entries.Count;

    /// <summary>The dictionary page body (PLAIN).</summary>
    public ReadOnlySpan<byte> Plain => _plain.WrittenSpan;

    public long ByteSize => _plain.Length;

    public int GetOrAdd(ReadOnlySpan<byte> value)
    {
        uint hash = Hash(value);
        int mask = _slots.Length - 1;
        int slot = (int)hash & mask;
        while (true)
        {
            int entry = _slots[slot];
            if (entry == 0)
            {
                break;
            }

            (int offset, int length) = _entries[entry - 1];
            if (length == value.Length && _plain.WrittenSpan.Slice(offset, length).SequenceEqual(value))
            {
                return entry - 1;
            }

            slot = (slot + 1) & mask;
        }

        if (_lengthPrefixed)
        {
            _plain.WriteUnmanaged(value.Length);
        }

        _entries.Add((_plain.Length, value.Length));
        _plain.Write(value);
        _slots[slot] = _entries.Count;
        if (_entries.Count * 2 > _slots.Length)
        {
            Rehash();
        }

        return _entries.Count - 1;
    }

    public void Clear()
    {
        _plain.Clear();
        _entries.Clear();
        Array.Clear(_slots);
    }

    public void Dispose() => _plain.Dispose();

    private void Rehash()
    {
        _slots = new int[_slots.Length * 2];
        int mask = _slots.Length - 1;
        for (int i = 0; i < _entries.Count; i++)
        {
            (int offset, int length) = _entries[i];
            int slot = (int)Hash(_plain.WrittenSpan.Slice(offset, length)) & mask;
            while (_slots[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _slots[slot] = i + 1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(ReadOnlySpan<byte> value)
    {
        const ulong K = 0x9E3779B97F4A7C15UL;
        ulong h = (ulong)value.Length * K;
        ref byte start = ref MemoryMarshal.GetReference(value);
        int i = 0;
        for (; i + 8 <= value.Length; i += 8)
        {
            h = (h ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i))) * K;
            h ^= h >> 29;
        }

        ulong tail = 0;
        for (int shift = 0; i < value.Length; i++, shift += 8)
        {
            tail |= (ulong)Unsafe.Add(ref start, i) << shift;
        }

        h = (h ^ tail) * K;
        return (uint)(h >> 32) ^ (uint)h;
    }
}
