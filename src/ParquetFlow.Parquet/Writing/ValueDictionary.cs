using System.Runtime.CompilerServices;

namespace ParquetFlow.Parquet.Writing;

/// <summary>
/// Open-addressing hash map from fixed-width values to dictionary indices, comparing bit patterns
/// (so -0.0 and 0.0, and distinct NaN payloads, stay distinct, as PLAIN would keep them).
/// </summary>
internal sealed class ValueDictionary<T>
    where T : unmanaged
{
    private const int DirectRange = 4096;
    private const int InitialSlots = 512;

    // Rented from the shared pools and handed back by Release between chunks: no garbage per row group on a writer
    // thread, and no tables held by a file between its row groups.
    private T[] _values = [];
    private int[] _slots = [];

    // Small non-negative integers (sides, order types, exchange codes, quantities) skip hashing altogether.
    private int[]? _direct;
    private int _count;
    private T _lastValue;
    private int _lastIndex = -1;

    public int Count => _count;

    public ReadOnlySpan<T> Values => _values.AsSpan(0, _count);

    public long ByteSize => (long)_count * Unsafe.SizeOf<T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetOrAdd(T value)
    {
        if (_lastIndex >= 0 && BitEquals(value, _lastValue))
        {
            return _lastIndex;
        }

        if ((typeof(T) == typeof(int) || typeof(T) == typeof(long)) && SmallKey(value) is ulong key && key < DirectRange)
        {
            _direct ??= RentCleared(DirectRange);
            int known = _direct[key];
            if (known == 0)
            {
                known = GetOrAddHashed(value) + 1;
                _direct[key] = known;
            }

            _lastValue = value;
            _lastIndex = known - 1;
            return known - 1;
        }

        return GetOrAddHashed(value);
    }

    /// <summary>
    /// Maps a batch of INT32/INT64 values that all lie in [0, 4096) through the direct table in one tight loop;
    /// returns false (mapping nothing) when <typeparamref name="T"/> is not an integer or a value is out of range.
    /// </summary>
    public bool TryMapSmall(ReadOnlySpan<T> values, Span<int> indices)
    {
        if (typeof(T) == typeof(int))
        {
            return TryMapSmall(System.Runtime.InteropServices.MemoryMarshal.Cast<T, int>(values), values, indices);
        }

        if (typeof(T) == typeof(long))
        {
            return TryMapSmall(System.Runtime.InteropServices.MemoryMarshal.Cast<T, long>(values), values, indices);
        }

        return false;
    }

    private bool TryMapSmall<N>(ReadOnlySpan<N> numbers, ReadOnlySpan<T> values, Span<int> indices)
        where N : unmanaged, System.Numerics.IBinaryInteger<N>
    {
        N min = N.Zero;
        N max = N.Zero;
        bool has = false;
        MinMax.Update(numbers, ref min, ref max, ref has);
        if (N.IsNegative(min) || max >= N.CreateTruncating(DirectRange))
        {
            return false;
        }

        int[] direct = _direct ??= RentCleared(DirectRange);
        for (int i = 0; i < numbers.Length; i++)
        {
            int key = int.CreateTruncating(numbers[i]);
            int known = direct[key];
            if (known == 0)
            {
                known = direct[key] = GetOrAddHashed(values[i]) + 1;
            }

            indices[i] = known - 1;
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SmallKey(T value) =>
        Unsafe.SizeOf<T>() == 4 ? Unsafe.As<T, uint>(ref value) : Unsafe.As<T, ulong>(ref value);

    private int GetOrAddHashed(T value)
    {
        if (_slots.Length == 0)
        {
            _slots = RentCleared(InitialSlots);
            _values = System.Buffers.ArrayPool<T>.Shared.Rent(InitialSlots / 2);
        }

        int mask = _slots.Length - 1;
        int slot = (int)Hash(value) & mask;
        while (true)
        {
            int entry = _slots[slot];
            if (entry == 0)
            {
                int index = Add(value, slot);
                _lastValue = value;
                _lastIndex = index;
                return index;
            }

            if (BitEquals(_values[entry - 1], value))
            {
                _lastValue = value;
                _lastIndex = entry - 1;
                return entry - 1;
            }

            slot = (slot + 1) & mask;
        }
    }

    public void Clear()
    {
        _count = 0;
        _lastIndex = -1;
        Array.Clear(_slots);
        if (_direct is not null)
        {
            Array.Clear(_direct);
        }
    }

    /// <summary><see cref="Clear"/>, and the tables go back to the pool, rented again by the next value added.</summary>
    public void Release()
    {
        _count = 0;
        _lastIndex = -1;
        if (_slots.Length > 0)
        {
            System.Buffers.ArrayPool<int>.Shared.Return(_slots);
            System.Buffers.ArrayPool<T>.Shared.Return(_values);
            _slots = [];
            _values = [];
        }

        if (_direct is not null)
        {
            System.Buffers.ArrayPool<int>.Shared.Return(_direct);
            _direct = null;
        }
    }

    private static int[] RentCleared(int length)
    {
        int[] table = System.Buffers.ArrayPool<int>.Shared.Rent(length);
        Array.Clear(table);
        return table;
    }

    private int Add(T value, int slot)
    {
        if (_count == _values.Length)
        {
            T[] grown = System.Buffers.ArrayPool<T>.Shared.Rent(_values.Length * 2);
            _values.AsSpan(0, _count).CopyTo(grown);
            System.Buffers.ArrayPool<T>.Shared.Return(_values);
            _values = grown;
        }

        _values[_count] = value;
        _slots[slot] = ++_count;
        if (_count * 2 > _slots.Length)
        {
            Rehash();
        }

        return _count - 1;
    }

    private void Rehash()
    {
        System.Buffers.ArrayPool<int>.Shared.Return(_slots);
        _slots = RentCleared(_slots.Length * 2);
        int mask = _slots.Length - 1;
        for (int i = 0; i < _count; i++)
        {
            int slot = (int)Hash(_values[i]) & mask;
            while (_slots[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _slots[slot] = i + 1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool BitEquals(T a, T b)
    {
        if (Unsafe.SizeOf<T>() == 4)
        {
            return Unsafe.As<T, uint>(ref a) == Unsafe.As<T, uint>(ref b);
        }

        if (Unsafe.SizeOf<T>() == 8)
        {
            return Unsafe.As<T, ulong>(ref a) == Unsafe.As<T, ulong>(ref b);
        }

        return MemoryMarshalBytes(ref a).SequenceEqual(MemoryMarshalBytes(ref b));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(T value)
    {
        ulong bits;
        if (Unsafe.SizeOf<T>() == 4)
        {
            bits = Unsafe.As<T, uint>(ref value);
        }
        else if (Unsafe.SizeOf<T>() == 8)
        {
            bits = Unsafe.As<T, ulong>(ref value);
        }
        else
        {
            bits = Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<T, byte>(ref value));
            bits ^= (ulong)Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref Unsafe.As<T, byte>(ref value), Unsafe.SizeOf<T>() - 4)) * 0x9E3779B97F4A7C15UL;
        }

        bits *= 0x9E3779B97F4A7C15UL;
        return (uint)(bits >> 32) ^ (uint)bits;
    }

    private static ReadOnlySpan<byte> MemoryMarshalBytes(ref T value) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value));
}
