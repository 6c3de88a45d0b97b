using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ParquetFlow.Sink;

/// <summary>
/// One column of a batch for <see cref="LogSink.TryLogColumns"/>: either one value every row shares
/// (<see cref="Repeated{T}"/>) or one value per row (<see cref="Dense{T}"/>), of an element type the column's field
/// takes as it is or widens without loss:
/// <list type="table">
/// <listheader><term>field (<see cref="RecordFieldKind"/>)</term><description>element types taken</description></listheader>
/// <item><term>Int32</term><description><c>int</c>, <c>uint</c> (its bits, as <see cref="Parquet.RowGroupWriter.WriteColumn{T}"/> takes it); <c>short</c>, <c>sbyte</c> sign-extended; <c>ushort</c>, <c>byte</c> zero-extended</description></item>
/// <item><term>Int64 (timestamps too)</term><description><c>long</c>, <c>ulong</c> (its bits); <c>int</c>, <c>short</c>, <c>sbyte</c> sign-extended; <c>uint</c>, <c>ushort</c>, <c>byte</c> zero-extended</description></item>
/// <item><term>Float</term><description><c>float</c></description></item>
/// <item><term>Double</term><description><c>double</c>; <c>float</c> converted (exactly)</description></item>
/// <item><term>Boolean</term><description><c>bool</c> (any non-zero byte is true, as in a record)</description></item>
/// </list>
/// Any other pairing, any other type, a nullable field or one of another kind makes the batch invalid. A dense column
/// refers to the caller's memory (an array or a <see cref="MemoryManager{T}"/>), read only while the log call runs: the
/// values are copied into the ring before it returns, so the memory may be reused at once. A default value is invalid.
/// </summary>
public readonly unsafe struct ColumnValues
{
    private readonly object? _owner;
    private readonly delegate*<object?, int, int, ReadOnlySpan<byte>> _bytes;
    private readonly int _start;
    private readonly long _repeated;

    private ColumnValues(ColumnElement element, long repeated)
    {
        Element = element;
        _repeated = repeated;
        IsRepeated = true;
    }

    private ColumnValues(ColumnElement element, object? owner, delegate*<object?, int, int, ReadOnlySpan<byte>> bytes, int start, int length)
    {
        Element = element;
        _owner = owner;
        _bytes = bytes;
        _start = start;
        Length = length;
    }

    /// <summary>True when every row has the same value; false for one value per row (or a default instance).</summary>
    public bool IsRepeated { get; }

    /// <summary>Values of a dense column (0 when repeated).</summary>
    public int Length { get; }

    /// <summary>The element type given.</summary>
    internal ColumnElement Element { get; }

    /// <summary>A column whose every row is <paramref name="value"/> (element types: see <see cref="ColumnValues"/>).</summary>
    public static ColumnValues Repeated<T>(T value)
        where T : unmanaged
    {
        ColumnElement element = ElementOf<T>();
        long bits = element switch
        {
            ColumnElement.Boolean => Unsafe.As<T, byte>(ref value) != 0 ? 1 : 0,
            ColumnElement.SByte => Unsafe.As<T, sbyte>(ref value),
            ColumnElement.Byte => Unsafe.As<T, byte>(ref value),
            ColumnElement.Int16 => Unsafe.As<T, short>(ref value),
            ColumnElement.UInt16 => Unsafe.As<T, ushort>(ref value),
            ColumnElement.Int32 => Unsafe.As<T, int>(ref value),
            ColumnElement.UInt32 => Unsafe.As<T, uint>(ref value),
            ColumnElement.Int64 or ColumnElement.UInt64 or ColumnElement.Double => Unsafe.As<T, long>(ref value),
            ColumnElement.Single => Unsafe.As<T, int>(ref value),
            _ => 0,
        };
        return new ColumnValues(element, bits);
    }

    /// <summary>A column with one value per row, <paramref name="values"/> (an array converts implicitly; element types: see <see cref="ColumnValues"/>).</summary>
    public static ColumnValues Dense<T>(ReadOnlyMemory<T> values)
        where T : unmanaged
    {
        ColumnElement element = ElementOf<T>();
        if (values.IsEmpty)
        {
            return new ColumnValues(element, null, &NoBytes, 0, 0);
        }

        if (MemoryMarshal.TryGetArray(values, out ArraySegment<T> segment))
        {
            return new ColumnValues(element, segment.Array, &ArrayBytes<T>, segment.Offset, segment.Count);
        }

        if (MemoryMarshal.TryGetMemoryManager(values, out MemoryManager<T>? manager, out int start, out int length))
        {
            return new ColumnValues(element, manager, &ManagerBytes<T>, start, length);
        }

        return default; // memory over a string: no element type a field takes
    }

    /// <summary>The dense values' bytes (valid while the caller's memory is; empty when repeated).</summary>
    internal ReadOnlySpan<byte> Bytes => _bytes is null ? default : _bytes(_owner, _start, Length);

    /// <summary>
    /// The repeated value as the field of <paramref name="kind"/> stores it (an Int32, Float or Boolean field in the low
    /// 4 bytes or byte): integers were sign- or zero-extended by their type when given, a float for a Double field is
    /// converted here.
    /// </summary>
    internal long RepeatedBits(RecordFieldKind kind) =>
        kind == RecordFieldKind.Double && Element == ColumnElement.Single
            ? BitConverter.DoubleToInt64Bits(BitConverter.Int32BitsToSingle((int)_repeated))
            : _repeated;

    /// <summary>The element type of <typeparamref name="T"/>; <see cref="ColumnElement.None"/> for a type no field takes.</summary>
    internal static ColumnElement ElementOf<T>() =>
        typeof(T) == typeof(bool) ? ColumnElement.Boolean
        : typeof(T) == typeof(sbyte) ? ColumnElement.SByte
        : typeof(T) == typeof(byte) ? ColumnElement.Byte
        : typeof(T) == typeof(short) ? ColumnElement.Int16
        : typeof(T) == typeof(ushort) ? ColumnElement.UInt16
        : typeof(T) == typeof(int) ? ColumnElement.Int32
        : typeof(T) == typeof(uint) ? ColumnElement.UInt32
        : typeof(T) == typeof(long) ? ColumnElement.Int64
        : typeof(T) == typeof(ulong) ? ColumnElement.UInt64
        : typeof(T) == typeof(float) ? ColumnElement.Single
        : typeof(T) == typeof(double) ? ColumnElement.Double
        : ColumnElement.None;

    /// <summary>Bytes of one value of <paramref name="element"/>.</summary>
    internal static int SizeOf(ColumnElement element) => element switch
    {
        ColumnElement.Boolean or ColumnElement.SByte or ColumnElement.Byte => 1,
        ColumnElement.Int16 or ColumnElement.UInt16 => 2,
        ColumnElement.Int32 or ColumnElement.UInt32 or ColumnElement.Single => 4,
        ColumnElement.Int64 or ColumnElement.UInt64 or ColumnElement.Double => 8,
        _ => 0,
    };

    /// <summary>Whether a field of <paramref name="kind"/> takes values of <paramref name="element"/> (the table above).</summary>
    internal static bool Widens(ColumnElement element, RecordFieldKind kind) => kind switch
    {
        RecordFieldKind.Int32 => element is >= ColumnElement.SByte and <= ColumnElement.UInt32,
        RecordFieldKind.Int64 => element is >= ColumnElement.SByte and <= ColumnElement.UInt64,
        RecordFieldKind.Float => element == ColumnElement.Single,
        RecordFieldKind.Double => element is ColumnElement.Single or ColumnElement.Double,
        RecordFieldKind.Boolean => element == ColumnElement.Boolean,
        _ => false,
    };

    private static ReadOnlySpan<byte> NoBytes(object? owner, int start, int length) => default;

    private static ReadOnlySpan<byte> ArrayBytes<T>(object? owner, int start, int length)
        where T : unmanaged => MemoryMarshal.AsBytes(Unsafe.As<T[]>(owner)!.AsSpan(start, length));

    private static ReadOnlySpan<byte> ManagerBytes<T>(object? owner, int start, int length)
        where T : unmanaged => MemoryMarshal.AsBytes(Unsafe.As<MemoryManager<T>>(owner)!.GetSpan().Slice(start, length));
}
