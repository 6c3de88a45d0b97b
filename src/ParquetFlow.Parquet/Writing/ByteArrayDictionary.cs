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
    private Entry[] _entries = new Entry[256];
    private int _count;
    private int[] _slots = new int[1024];
    private ShortSlot[] _shortSlots = new ShortSlot[1024];
    private int _shortCount;

    public ByteArrayDictionary(bool lengthPrefixed)
    {
        _lengthPrefixed = lengthPrefixed;
    }

    public int Count => _count;

    /// <summary>The dictionary page body (PLAIN).</summary>
    public ReadOnlySpan<byte> Plain => _plain.WrittenSpan;

    public long ByteSize => _plain.Length;

    /// <summary>The bytes of entry <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> this[int index] => _plain.WrittenSpan.Slice(_entries[index].Offset, _entries[index].Length);

    public int GetOrAdd(ReadOnlySpan<byte> value)
    {
        if (value.Length <= 8)
        {
            return GetOrAddShort(value);
        }

        return GetOrAddLong(value);
    }

    /// <summary>
    /// Values of up to 8 bytes (tickers, codes, enum names) are looked up by a 72-bit key (bytes and length)
    /// in their own table: one load and one compare instead of hashing and comparing bytes.
    /// </summary>
    private int GetOrAddShort(ReadOnlySpan<byte> value)
    {
        ulong bytes = ShortBytes(value);
        int length = value.Length;
        ulong h = (bytes ^ ((ulong)length << 59)) * 0x9E3779B97F4A7C15UL;
        int mask = _shortSlots.Length - 1;
        int slot = (int)(h >> 40) & mask;
        while (true)
        {
            ref ShortSlot s = ref _shortSlots[slot];
            if (s.Index == 0)
            {
                int index = GetOrAddLong(value);
                s = new ShortSlot(bytes, length, index + 1);
                if (++_shortCount * 2 > _shortSlots.Length)
                {
                    GrowShort();
                }

                return index;
            }

            if (s.Bytes == bytes && s.Length == length)
            {
                return s.Index - 1;
            }

            slot = (slot + 1) & mask;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ShortBytes(ReadOnlySpan<byte> value)
    {
        ref byte start = ref MemoryMarshal.GetReference(value);
        int n = value.Length;
        if (n >= 4)
        {
            // Two overlapping 4-byte loads place every byte at its own position.
            return Unsafe.ReadUnaligned<uint>(ref start) | ((ulong)Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, n - 4)) << (8 * (n - 4)));
        }

        ulong v = 0;
        for (int i = 0; i < n; i++)
        {
            v |= (ulong)Unsafe.Add(ref start, i) << (8 * i);
        }

        return v;
    }

    private void GrowShort()
    {
        ShortSlot[] old = _shortSlots;
        _shortSlots = new ShortSlot[old.Length * 2];
        int mask = _shortSlots.Length - 1;
        foreach (ShortSlot s in old)
        {
            if (s.Index == 0)
            {
                continue;
            }

            ulong h = (s.Bytes ^ ((ulong)s.Length << 59)) * 0x9E3779B97F4A7C15UL;
            int slot = (int)(h >> 40) & mask;
            while (_shortSlots[slot].Index != 0)
            {
                slot = (slot + 1) & mask;
            }

            _shortSlots[slot] = s;
        }
    }

    private readonly record struct ShortSlot(ulong Bytes, int Length, int Index);

    private int GetOrAddLong(ReadOnlySpan<byte> value)
    {
        uint hash = Hash(value);
        int mask = _slots.Length - 1;
        int slot = (int)hash & mask;
        ReadOnlySpan<byte> plain = _plain.WrittenSpan;
        while (true)
        {
            int entry = _slots[slot];
            if (entry == 0)
            {
                break;
            }

            ref Entry e = ref _entries[entry - 1];
            if (e.Hash == hash && e.Length == value.Length && plain.Slice(e.Offset, e.Length).SequenceEqual(value))
            {
                return entry - 1;
            }

            slot = (slot + 1) & mask;
        }

        if (_lengthPrefixed)
        {
            _plain.WriteUnmanaged(value.Length);
        }

        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _count * 2);
        }

        _entries[_count] = new Entry(_plain.Length, value.Length, hash);
        _plain.Write(value);
        _slots[slot] = ++_count;
        if (_count * 2 > _slots.Length)
        {
            Rehash();
        }

        return _count - 1;
    }

    private readonly record struct Entry(int Offset, int Length, uint Hash);

    public void Clear()
    {
        _plain.Clear();
        _count = 0;
        Array.Clear(_slots);
        Array.Clear(_shortSlots);
        _shortCount = 0;
    }

    public void Dispose() => _plain.Dispose();

    private void Rehash()
    {
        _slots = new int[_slots.Length * 2];
        int mask = _slots.Length - 1;
        for (int i = 0; i < _count; i++)
        {
            int slot = (int)_entries[i].Hash & mask;
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
        if (value.Length <= 8 && value.Length >= 4)
        {
            // Tickers and codes: two overlapping 4-byte loads cover the value without a byte loop.
            ulong v = Unsafe.ReadUnaligned<uint>(ref start) | ((ulong)Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, value.Length - 4)) << 32);
            h = (h ^ v) * K;
            return (uint)(h >> 32) ^ (uint)h;
        }

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
