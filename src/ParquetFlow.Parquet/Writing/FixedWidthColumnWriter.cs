using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ParquetFlow.Parquet.Encodings;
using ParquetFlow.Parquet.IO;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Parquet.Writing;

/// <summary>
/// Column writer for INT32, INT64, INT96, FLOAT and DOUBLE (<typeparamref name="T"/> is the storage type).
/// Chooses PLAIN, RLE_DICTIONARY (with fallback), DELTA_BINARY_PACKED or BYTE_STREAM_SPLIT per chunk.
/// </summary>
internal sealed class FixedWidthColumnWriter<T> : ColumnWriter
    where T : unmanaged
{
    private const int SampleSize = 4096;
    private readonly ValueDictionary<T> _dictionary = new();
    private ValueDictionary<T>? _probe;
    private T[] _values = ArrayPool<T>.Shared.Rent(1024);
    private int[] _indices = [];
    private int _count;
    private ValueEncoding _encoding = ValueEncoding.Undecided;
    private T _min;
    private T _max;
    private bool _hasMinMax;

    public FixedWidthColumnWriter(ColumnDescriptor column, ParquetWriterOptions options)
        : base(column, options)
    {
    }

    private enum ValueEncoding
    {
        Undecided,
        Plain,
        Dictionary,
        DictionaryFallenBack,
        Delta,
        ByteStreamSplit,
    }

    protected override long BufferedValueBytes =>
        _encoding == ValueEncoding.Dictionary ? (long)_count * 2 : (long)_count * Unsafe.SizeOf<T>();

    /// <summary>Appends a batch: dense non-null values plus one definition level per row (empty = all present).</summary>
    public void Write(ReadOnlySpan<T> values, ReadOnlySpan<byte> definitionLevels)
    {
        int rows = Check(values, definitionLevels);
        if (_encoding == ValueEncoding.Undecided && values.Length > 0)
        {
            _encoding = Choose(values[..Math.Min(values.Length, SampleSize)]);
        }

        int size = Unsafe.SizeOf<T>();
        int row = 0;
        int valueIndex = 0;
        while (row < rows)
        {
            long bytesLeft = Math.Max(Options.DataPageSize - BufferedValueBytes, size);
            int take = (int)Math.Min(Math.Min(rows - row, PageRowsLeft), Math.Max(1, bytesLeft / size));
            ReadOnlySpan<byte> levels = definitionLevels.IsEmpty ? default : definitionLevels.Slice(row, take);
            int n = levels.IsEmpty ? take : levels.Count((byte)1);
            ReadOnlySpan<T> pageValues = values.Slice(valueIndex, n);
            row += take;
            valueIndex += n;
            if (FillsPageAlone(take, n))
            {
                // The whole page is in the caller's buffer: its values are encoded from there, never copied in.
                UpdateMinMax(pageValues);
                AppendLevels(take, n, levels);
                FlushPage(MemoryMarshal.AsBytes(pageValues));
                continue;
            }

            Append(pageValues);
            AppendLevels(take, n, levels);
            if (_encoding == ValueEncoding.Dictionary && _dictionary.ByteSize > Options.DictionaryPageSizeLimit)
            {
                // The dictionary outgrew its page: this page still refers to it, the rest of the chunk is PLAIN.
                FlushPage();
                _encoding = ValueEncoding.DictionaryFallenBack;
                continue;
            }

            ClosePageIfFull();
        }
    }

    /// <summary>
    /// Whether <paramref name="rows"/> rows with <paramref name="values"/> values, appended to an empty page, close it
    /// (the same limits as <see cref="ColumnWriter.ClosePageIfFull"/>) with values that need no mapping: the page can
    /// then be encoded from the caller's span. Dictionary pages map values to indices, so they always go through
    /// <see cref="Append"/>.
    /// </summary>
    private bool FillsPageAlone(int rows, int values) =>
        PageRows == 0
        && _count == 0
        && values > 0
        && _encoding is ValueEncoding.Plain or ValueEncoding.DictionaryFallenBack or ValueEncoding.Delta or ValueEncoding.ByteStreamSplit
        && (rows >= Options.MaxRowsPerPage || (long)values * Unsafe.SizeOf<T>() >= Options.DataPageSize);

    /// <summary>Validates a batch without keeping anything; returns its row count.</summary>
    public int Check(ReadOnlySpan<T> values, ReadOnlySpan<byte> definitionLevels)
    {
        int rows = definitionLevels.IsEmpty ? values.Length : definitionLevels.Length;
        int present = CountPresent(definitionLevels, rows);
        if (present != values.Length)
        {
            throw new InvalidBatchException(Column.Name, $"{values.Length} values for {present} non-null rows; pass exactly one value per definition level of 1");
        }

        Validate(values);
        return rows;
    }

    private void Append(ReadOnlySpan<T> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        UpdateMinMax(values);
        if (_encoding == ValueEncoding.Dictionary)
        {
            EnsureIndexCapacity(_count + values.Length);
            Span<int> indices = _indices.AsSpan(_count, values.Length);
            if (!_dictionary.TryMapSmall(values, indices))
            {
                for (int i = 0; i < values.Length; i++)
                {
                    indices[i] = _dictionary.GetOrAdd(values[i]);
                }
            }
        }
        else
        {
            EnsureValueCapacity(_count + values.Length);
            values.CopyTo(_values.AsSpan(_count));
        }

        _count += values.Length;
    }

    protected override ParquetEncoding EncodeValues(ByteBuffer output, ReadOnlySpan<byte> callerValues)
    {
        Debug.Assert(callerValues.IsEmpty || (_count == 0 && _encoding != ValueEncoding.Dictionary));
        int count = _count;
        _count = 0;
        if (count == 0 && callerValues.IsEmpty)
        {
            return _encoding == ValueEncoding.Delta ? EncodeDelta(output, []) : ParquetEncoding.Plain;
        }

        if (_encoding == ValueEncoding.Dictionary)
        {
            int bitWidth = Math.Max(1, BitPacking.BitWidth((ulong)Math.Max(_dictionary.Count - 1, 0)));
            output.WriteByte((byte)bitWidth);
            RleBitPackedHybrid.Encode<int>(_indices.AsSpan(0, count), bitWidth, output);
            return ParquetEncoding.RleDictionary;
        }

        ReadOnlySpan<T> values = callerValues.IsEmpty ? _values.AsSpan(0, count) : MemoryMarshal.Cast<byte, T>(callerValues);
        switch (_encoding)
        {
            case ValueEncoding.Delta:
                return EncodeDelta(output, values);
            case ValueEncoding.ByteStreamSplit:
                ByteStreamSplit.Encode(MemoryMarshal.AsBytes(values), Unsafe.SizeOf<T>(), output);
                return ParquetEncoding.ByteStreamSplit;
            default:
                output.Write(MemoryMarshal.AsBytes(values));
                return ParquetEncoding.Plain;
        }
    }

    private static ParquetEncoding EncodeDelta(ByteBuffer output, ReadOnlySpan<T> values)
    {
        if (typeof(T) == typeof(int))
        {
            DeltaBinaryPacked.Encode(MemoryMarshal.Cast<T, int>(values), output);
        }
        else
        {
            DeltaBinaryPacked.Encode(MemoryMarshal.Cast<T, long>(values), output);
        }

        return ParquetEncoding.DeltaBinaryPacked;
    }

    protected override int EncodeDictionary(ByteBuffer output)
    {
        if (_dictionary.Count == 0)
        {
            return 0;
        }

        output.Write(MemoryMarshal.AsBytes(_dictionary.Values));
        return _dictionary.Count;
    }

    protected override (byte[]? Min, byte[]? Max, bool Omitted) TakePageMinMax()
    {
        if (!_hasMinMax)
        {
            return (null, null, false);
        }

        _hasMinMax = false;
        T min = _min;
        T max = _max;
        if (typeof(T) == typeof(float))
        {
            // The format asks for -0.0 as a zero minimum and +0.0 as a zero maximum.
            if (Unsafe.As<T, float>(ref min) == 0f)
            {
                Unsafe.As<T, float>(ref min) = -0f;
            }

            if (Unsafe.As<T, float>(ref max) == 0f)
            {
                Unsafe.As<T, float>(ref max) = 0f;
            }
        }
        else if (typeof(T) == typeof(double))
        {
            if (Unsafe.As<T, double>(ref min) == 0d)
            {
                Unsafe.As<T, double>(ref min) = -0d;
            }

            if (Unsafe.As<T, double>(ref max) == 0d)
            {
                Unsafe.As<T, double>(ref max) = 0d;
            }
        }

        return (MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in min)).ToArray(), MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in max)).ToArray(), false);
    }

    protected override void ResetValues()
    {
        _count = 0;
        _dictionary.Release();
        _probe?.Release();
        _encoding = ValueEncoding.Undecided;
        ArrayPool<T>.Shared.Return(_values);
        _values = [];
        if (_indices.Length > 0)
        {
            ArrayPool<int>.Shared.Return(_indices);
            _indices = [];
        }
    }

    private void UpdateMinMax(ReadOnlySpan<T> values)
    {
        if (!Options.WriteStatistics)
        {
            return;
        }

        bool unsigned = Column.SortOrder == SortOrder.Unsigned;
        if (typeof(T) == typeof(int))
        {
            if (unsigned)
            {
                MinMax.Update(MemoryMarshal.Cast<T, uint>(values), ref Unsafe.As<T, uint>(ref _min), ref Unsafe.As<T, uint>(ref _max), ref _hasMinMax);
            }
            else
            {
                MinMax.Update(MemoryMarshal.Cast<T, int>(values), ref Unsafe.As<T, int>(ref _min), ref Unsafe.As<T, int>(ref _max), ref _hasMinMax);
            }
        }
        else if (typeof(T) == typeof(long))
        {
            if (unsigned)
            {
                MinMax.Update(MemoryMarshal.Cast<T, ulong>(values), ref Unsafe.As<T, ulong>(ref _min), ref Unsafe.As<T, ulong>(ref _max), ref _hasMinMax);
            }
            else
            {
                MinMax.Update(MemoryMarshal.Cast<T, long>(values), ref Unsafe.As<T, long>(ref _min), ref Unsafe.As<T, long>(ref _max), ref _hasMinMax);
            }
        }
        else if (typeof(T) == typeof(float))
        {
            MinMax.UpdateIgnoringNaN(MemoryMarshal.Cast<T, float>(values), ref Unsafe.As<T, float>(ref _min), ref Unsafe.As<T, float>(ref _max), ref _hasMinMax);
        }
        else if (typeof(T) == typeof(double))
        {
            MinMax.UpdateIgnoringNaN(MemoryMarshal.Cast<T, double>(values), ref Unsafe.As<T, double>(ref _min), ref Unsafe.As<T, double>(ref _max), ref _hasMinMax);
        }

        // INT96 has no defined order: no min/max.
    }

    private void Validate(ReadOnlySpan<T> values)
    {
        LogicalType? logical = Column.LogicalType;
        if (logical is null)
        {
            return;
        }

        if (logical.Kind == LogicalTypeKind.Integer && logical.BitWidth < 32 && typeof(T) == typeof(int))
        {
            (int lo, int hi) = (logical.BitWidth, logical.IsSigned) switch
            {
                (8, true) => ((int)sbyte.MinValue, (int)sbyte.MaxValue),
                (8, false) => (0, (int)byte.MaxValue),
                (16, true) => ((int)short.MinValue, (int)short.MaxValue),
                _ => (0, (int)ushort.MaxValue),
            };
            CheckRange(MemoryMarshal.Cast<T, int>(values), lo, hi, logical.ToString());
        }
        else if (logical.Kind == LogicalTypeKind.Decimal)
        {
            long limit = (long)Math.Pow(10, Math.Min(logical.Precision, 18));
            if (typeof(T) == typeof(int))
            {
                CheckRange(MemoryMarshal.Cast<T, int>(values), (int)Math.Max(-(limit - 1), int.MinValue), (int)Math.Min(limit - 1, int.MaxValue), logical.ToString());
            }
            else if (typeof(T) == typeof(long) && logical.Precision < 19)
            {
                CheckRange(MemoryMarshal.Cast<T, long>(values), -(limit - 1), limit - 1, logical.ToString());
            }
        }
    }

    private void CheckRange<N>(ReadOnlySpan<N> values, N lo, N hi, string type)
        where N : unmanaged, INumber<N>
    {
        // The vectorized bounds first: a batch in range (every batch but a bad one) costs one pass at vector width.
        N min = N.Zero;
        N max = N.Zero;
        bool has = false;
        MinMax.Update(values, ref min, ref max, ref has);
        if (!has || (min >= lo && max <= hi))
        {
            return;
        }

        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] < lo || values[i] > hi)
            {
                throw new InvalidBatchException(Column.Name, $"value {values[i]} at index {i} is outside the range of {type} [{lo}, {hi}]");
            }
        }
    }

    private ValueEncoding Choose(ReadOnlySpan<T> sample)
    {
        PhysicalType type = Column.PhysicalType;
        switch (Requested)
        {
            case ParquetEncoding.Plain:
                return ValueEncoding.Plain;
            case ParquetEncoding.RleDictionary or ParquetEncoding.PlainDictionary:
                return ValueEncoding.Dictionary;
            case ParquetEncoding.DeltaBinaryPacked when type is PhysicalType.Int32 or PhysicalType.Int64:
                return ValueEncoding.Delta;
            case ParquetEncoding.ByteStreamSplit when type is PhysicalType.Float or PhysicalType.Double:
                return ValueEncoding.ByteStreamSplit;
            case ParquetEncoding requested:
                throw new NotSupportedException($"column '{Column.Name}': encoding {requested} is not available for {ColumnDescriptor.PhysicalTypeName(type)}");
        }

        if (type == PhysicalType.Int96)
        {
            return ValueEncoding.Plain;
        }

        // Automatic, within the profile: estimate bits per value from a sample and take the smallest of dictionary,
        // delta (Compact only) and PLAIN; Compact splits the bytes of the floats the dictionary does not take.
        bool compact = Options.Profile == ParquetProfile.Compact;
        int distinct = CountDistinct(sample);
        double plainBits = Unsafe.SizeOf<T>() * 8;
        double dictionaryBits = distinct * 2 <= sample.Length || distinct <= 16
            ? Math.Max(1, BitPacking.BitWidth((ulong)Math.Max(distinct - 1, 0))) + 0.5
            : double.MaxValue;
        double deltaBits = double.MaxValue;
        if (compact && (typeof(T) == typeof(int) || typeof(T) == typeof(long)))
        {
            deltaBits = EstimateDeltaBits(sample);
        }

        if (dictionaryBits <= deltaBits && dictionaryBits < plainBits * 0.75)
        {
            return ValueEncoding.Dictionary;
        }

        if (compact && type is PhysicalType.Float or PhysicalType.Double)
        {
            return ValueEncoding.ByteStreamSplit;
        }

        return deltaBits < plainBits * 0.75 ? ValueEncoding.Delta : ValueEncoding.Plain;
    }

    /// <summary>Distinct values in the sample, counted in a table kept for the next chunk (no allocation per chunk).</summary>
    private int CountDistinct(ReadOnlySpan<T> sample)
    {
        ValueDictionary<T> probe = _probe ??= new ValueDictionary<T>();
        foreach (T value in sample)
        {
            probe.GetOrAdd(value);
        }

        int distinct = probe.Count;
        probe.Clear();
        return distinct;
    }

    private static double EstimateDeltaBits(ReadOnlySpan<T> sample)
    {
        if (sample.Length < 2)
        {
            return 8;
        }

        long totalBits = 0;
        int deltas = sample.Length - 1;
        bool is32 = typeof(T) == typeof(int);
        for (int start = 1; start < sample.Length; start += DeltaBinaryPacked.BlockSize)
        {
            int count = Math.Min(DeltaBinaryPacked.BlockSize, sample.Length - start);
            long minDelta = long.MaxValue;
            for (int k = 0; k < count; k++)
            {
                minDelta = Math.Min(minDelta, Delta(sample, start + k, is32));
            }

            for (int m = 0; m < count; m += DeltaBinaryPacked.MiniblockSize)
            {
                ulong or = 0;
                int end = Math.Min(count, m + DeltaBinaryPacked.MiniblockSize);
                for (int k = m; k < end; k++)
                {
                    or |= unchecked((ulong)(Delta(sample, start + k, is32) - minDelta));
                }

                totalBits += (long)BitPacking.BitWidth(or) * DeltaBinaryPacked.MiniblockSize;
            }

            totalBits += 8 * (2 + DeltaBinaryPacked.MiniblocksPerBlock);
        }

        return (double)totalBits / deltas;
    }

    private static long Delta(ReadOnlySpan<T> values, int i, bool is32)
    {
        if (is32)
        {
            return unchecked(MemoryMarshal.Cast<T, int>(values)[i] - MemoryMarshal.Cast<T, int>(values)[i - 1]);
        }

        return unchecked(MemoryMarshal.Cast<T, long>(values)[i] - MemoryMarshal.Cast<T, long>(values)[i - 1]);
    }

    private void EnsureValueCapacity(int needed)
    {
        if (_values.Length >= needed)
        {
            return;
        }

        T[] next = ArrayPool<T>.Shared.Rent(Math.Max(needed, Math.Max(1024, _values.Length * 2)));
        _values.AsSpan(0, _count).CopyTo(next);
        if (_values.Length > 0)
        {
            ArrayPool<T>.Shared.Return(_values);
        }

        _values = next;
    }

    private void EnsureIndexCapacity(int needed)
    {
        if (_indices.Length >= needed)
        {
            return;
        }

        int[] next = ArrayPool<int>.Shared.Rent(Math.Max(needed, Math.Max(1024, _indices.Length * 2)));
        _indices.AsSpan(0, Math.Min(_count, _indices.Length)).CopyTo(next);
        if (_indices.Length > 0)
        {
            ArrayPool<int>.Shared.Return(_indices);
        }

        _indices = next;
    }

    public override void Dispose()
    {
        base.Dispose();
        if (_values.Length > 0)
        {
            ArrayPool<T>.Shared.Return(_values);
            _values = [];
        }

        if (_indices.Length > 0)
        {
            ArrayPool<int>.Shared.Return(_indices);
        }
    }
}
