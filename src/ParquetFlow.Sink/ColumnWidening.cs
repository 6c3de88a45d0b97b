using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ParquetFlow.Sink;

/// <summary>
/// The writer thread's widening copies from a column-batch entry into the column buffers: <c>ushort</c> to
/// <c>int</c>, <c>int</c> to <c>long</c>, <c>float</c> to <c>double</c> and the rest of <see cref="ColumnValues"/>'
/// table. Vector128 (SSE2 on x64, AdvSimd on arm64) widens a register at a time, then a scalar loop does the tail, or
/// everything where no vector unit is accelerated; both give <c>TTo.CreateTruncating(value)</c>: sign extension of a
/// signed source, zero extension of an unsigned one, the exact conversion of a float.
/// </summary>
internal static class ColumnWidening
{
    /// <summary>Writes every value of <paramref name="source"/>, widened, to the start of <paramref name="destination"/>.</summary>
    public static void Widen<TFrom, TTo>(ReadOnlySpan<TFrom> source, Span<TTo> destination)
        where TFrom : unmanaged, INumberBase<TFrom>
        where TTo : unmanaged, INumberBase<TTo>
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("the destination is shorter than the source", nameof(destination));
        }

        ref TFrom from = ref MemoryMarshal.GetReference(source);
        ref TTo to = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            for (int last = source.Length - Vector128<TFrom>.Count; i <= last; i += Vector128<TFrom>.Count)
            {
                Store(Vector128.LoadUnsafe(ref from, (nuint)i), ref Unsafe.Add(ref to, i));
            }
        }

        for (; i < source.Length; i++)
        {
            Unsafe.Add(ref to, i) = TTo.CreateTruncating(Unsafe.Add(ref from, i));
        }
    }

    /// <summary>Copies booleans given as bytes, any non-zero byte becoming 1 (as a record's Boolean field is read).</summary>
    public static void CopyBooleans(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("the destination is shorter than the source", nameof(destination));
        }

        ref byte from = ref MemoryMarshal.GetReference(source);
        ref byte to = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            for (int last = source.Length - Vector128<byte>.Count; i <= last; i += Vector128<byte>.Count)
            {
                Vector128.Min(Vector128.LoadUnsafe(ref from, (nuint)i), Vector128<byte>.One).StoreUnsafe(ref to, (nuint)i);
            }
        }

        for (; i < source.Length; i++)
        {
            Unsafe.Add(ref to, i) = Unsafe.Add(ref from, i) != 0 ? (byte)1 : (byte)0;
        }
    }

    /// <summary>
    /// Stores one register of <typeparamref name="TFrom"/> widened to <typeparamref name="TTo"/>: one widening step
    /// (to the next wider element of the same signedness) at a time, until the width is the destination's, whose bits
    /// it then is (int and uint, long and ulong). The type tests are constants to the JIT, which keeps one path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TFrom, TTo>(Vector128<TFrom> value, ref TTo destination)
        where TFrom : unmanaged
        where TTo : unmanaged
    {
        if (Unsafe.SizeOf<TFrom>() == Unsafe.SizeOf<TTo>())
        {
            value.As<TFrom, TTo>().StoreUnsafe(ref destination);
        }
        else if (typeof(TFrom) == typeof(byte))
        {
            (Vector128<ushort> lower, Vector128<ushort> upper) = Vector128.Widen(value.AsByte());
            StorePair(lower, upper, ref destination);
        }
        else if (typeof(TFrom) == typeof(sbyte))
        {
            (Vector128<short> lower, Vector128<short> upper) = Vector128.Widen(value.AsSByte());
            StorePair(lower, upper, ref destination);
        }
        else if (typeof(TFrom) == typeof(ushort))
        {
            (Vector128<uint> lower, Vector128<uint> upper) = Vector128.Widen(value.AsUInt16());
            StorePair(lower, upper, ref destination);
        }
        else if (typeof(TFrom) == typeof(short))
        {
            (Vector128<int> lower, Vector128<int> upper) = Vector128.Widen(value.AsInt16());
            StorePair(lower, upper, ref destination);
        }
        else if (typeof(TFrom) == typeof(uint))
        {
            (Vector128<ulong> lower, Vector128<ulong> upper) = Vector128.Widen(value.AsUInt32());
            StorePair(lower, upper, ref destination);
        }
        else if (typeof(TFrom) == typeof(int))
        {
            (Vector128<long> lower, Vector128<long> upper) = Vector128.Widen(value.AsInt32());
            StorePair(lower, upper, ref destination);
        }
        else if (typeof(TFrom) == typeof(float))
        {
            (Vector128<double> lower, Vector128<double> upper) = Vector128.Widen(value.AsSingle());
            StorePair(lower, upper, ref destination);
        }
        else
        {
            throw new NotSupportedException($"no widening from {typeof(TFrom).Name} to {typeof(TTo).Name}");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePair<TWide, TTo>(Vector128<TWide> lower, Vector128<TWide> upper, ref TTo destination)
        where TWide : unmanaged
        where TTo : unmanaged
    {
        Store(lower, ref destination);
        Store(upper, ref Unsafe.Add(ref destination, Vector128<TWide>.Count));
    }
}
