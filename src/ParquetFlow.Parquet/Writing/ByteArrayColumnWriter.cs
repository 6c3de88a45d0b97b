using System.Buffers;
using System.Diagnostics;
using ParquetFlow.Parquet.Encodings;
using ParquetFlow.Parquet.IO;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Parquet.Writing;

/// <summary>
/// Column writer for BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY: RLE_DICTIONARY with fallback to PLAIN by default
/// (PLAIN straight away when a sample shows mostly unique values).
/// </summary>
internal sealed class ByteArrayColumnWriter : ColumnWriter
{
    private const int SampleSize = 1024;
    private readonly bool _fixed;
    private readonly ByteBuffer _plain = new(1 << 16);
    private readonly ByteArrayDictionary _dictionary;
    private int[] _indices = [];
    private int _count;
    private Mode _mode = Mode.Undecided;
    private ByteArrayDictionary? _probe;
    private byte[] _min = new byte[64];
    private byte[] _max = new byte[64];
    private int _minLength = -1;
    private int _maxLength = -1;
    private bool _statsTooLarge;

    // Dictionary mode: page statistics come from the distinct entries a page used, not from every value.
    private int[] _seenInPage = [];
    private readonly List<int> _pageEntries = [];
    private int _pageStamp = 1;

    public ByteArrayColumnWriter(ColumnDescriptor column, ParquetWriterOptions options)
        : base(column, options)
    {
        _fixed = column.PhysicalType == PhysicalType.FixedLenByteArray;
        _dictionary = new ByteArrayDictionary(lengthPrefixed: !_fixed);
        if (Requested is not (null or ParquetEncoding.Plain or ParquetEncoding.RleDictionary or ParquetEncoding.PlainDictionary))
        {
            throw new NotSupportedException($"column '{column.Name}': {ColumnDescriptor.PhysicalTypeName(column.PhysicalType)} takes PLAIN or RLE_DICTIONARY, not {Requested}");
        }
    }

    private enum Mode
    {
        Undecided,
        Plain,
        Dictionary,
        FallenBack,
    }

    protected override long BufferedValueBytes => _mode == Mode.Dictionary ? (long)_count * 2 : _plain.Length;

    /// <summary>
    /// Appends a batch of variable-length values: value i is <c>data[offsets[i]..offsets[i+1]]</c> (offsets has one
    /// more entry than there are non-null values), plus one definition level per row (empty = all present).
    /// For FIXED_LEN_BYTE_ARRAY every value must be exactly the column's length.
    /// </summary>
    /// <summary>Validates a batch without keeping anything; returns its row count.</summary>
    public int Check(ReadOnlySpan<byte> data, ReadOnlySpan<int> offsets, ReadOnlySpan<byte> definitionLevels)
    {
        int values = Math.Max(offsets.Length - 1, 0);
        int rows = definitionLevels.IsEmpty ? values : definitionLevels.Length;
        int present = CountPresent(definitionLevels, rows);
        if (present != values)
        {
            throw new InvalidBatchException(Column.Name, $"{values} values for {present} non-null rows; pass exactly one value per definition level of 1");
        }

        for (int i = 0; i < values; i++)
        {
            int start = offsets[i];
            int end = offsets[i + 1];
            if (start < 0 || end < start || end > data.Length)
            {
                throw new InvalidBatchException(Column.Name, $"offsets {start}..{end} of value {i} do not lie within the {data.Length} data bytes");
            }

            if (_fixed && end - start != Column.TypeLength)
            {
                throw new InvalidBatchException(Column.Name, $"value {i} is {end - start} bytes; the column holds exactly {Column.TypeLength}");
            }
        }

        return rows;
    }

    public void Write(ReadOnlySpan<byte> data, ReadOnlySpan<int> offsets, ReadOnlySpan<byte> definitionLevels)
    {
        int rows = Check(data, offsets, definitionLevels);
        int values = Math.Max(offsets.Length - 1, 0);
        if (_mode == Mode.Undecided && values > 0)
        {
            _mode = Choose(data, offsets[..(Math.Min(values, SampleSize) + 1)]);
        }

        int row = 0;
        int valueIndex = 0;
        while (row < rows)
        {
            int take = Math.Min(rows - row, PageRowsLeft);
            ReadOnlySpan<byte> levels = definitionLevels.IsEmpty ? default : definitionLevels.Slice(row, take);
            int n = levels.IsEmpty ? take : levels.Count((byte)1);
            int appended = Append(data, offsets.Slice(valueIndex, n + 1));
            int rowsAppended = appended == n ? take : levels.IsEmpty ? appended : RowsHolding(levels, appended);
            AppendLevels(rowsAppended, appended, levels.IsEmpty ? default : levels[..rowsAppended]);
            row += rowsAppended;
            valueIndex += appended;
            if (_mode == Mode.Dictionary && _dictionary.ByteSize > Options.DictionaryPageSizeLimit)
            {
                FlushPage();
                _mode = Mode.FallenBack;
                continue;
            }

            if (appended < n || rowsAppended < take)
            {
                FlushPage();
                continue;
            }

            ClosePageIfFull();
        }
    }

    /// <summary>Rows of <paramref name="levels"/> up to and including the <paramref name="values"/>-th value (values &gt; 0).</summary>
    private static int RowsHolding(ReadOnlySpan<byte> levels, int values)
    {
        int seen = 0;
        for (int r = 0; r < levels.Length; r++)
        {
            if (levels[r] == 1 && ++seen == values)
            {
                return r + 1;
            }
        }

        return levels.Length;
    }

    /// <summary>Appends values until the page's byte budget is reached (at least one); returns how many.</summary>
    private int Append(ReadOnlySpan<byte> data, ReadOnlySpan<int> offsets)
    {
        int n = offsets.Length - 1;
        if (n <= 0)
        {
            return 0;
        }

        if (_mode == Mode.Dictionary && _indices.Length < _count + n)
        {
            int[] next = ArrayPool<int>.Shared.Rent(Math.Max(_count + n, Math.Max(1024, _indices.Length * 2)));
            _indices.AsSpan(0, Math.Min(_count, _indices.Length)).CopyTo(next);
            if (_indices.Length > 0)
            {
                ArrayPool<int>.Shared.Return(_indices);
            }

            _indices = next;
        }

        int i = 0;
        for (; i < n; i++)
        {
            if (i > 0 && _mode != Mode.Dictionary && _plain.Length >= Options.DataPageSize)
            {
                break;
            }

            ReadOnlySpan<byte> value = data[offsets[i]..offsets[i + 1]];
            if (_mode == Mode.Dictionary)
            {
                int index = _dictionary.GetOrAdd(value);
                _indices[_count] = index;
                MarkSeen(index);
            }
            else
            {
                UpdateMinMax(value);
                if (!_fixed)
                {
                    _plain.WriteUnmanaged(value.Length);
                }

                _plain.Write(value);
            }

            _count++;
        }

        return i;
    }

    private void MarkSeen(int index)
    {
        if (index >= _seenInPage.Length)
        {
            Array.Resize(ref _seenInPage, Math.Max(index + 1, Math.Max(256, _seenInPage.Length * 2)));
        }

        if (_seenInPage[index] != _pageStamp)
        {
            _seenInPage[index] = _pageStamp;
            _pageEntries.Add(index);
        }
    }

    private void UpdateMinMax(ReadOnlySpan<byte> value)
    {
        if (!Options.WriteStatistics || _statsTooLarge)
        {
            return;
        }

        if (value.Length > Options.MaxStatisticsSize)
        {
            _statsTooLarge = true;
            return;
        }

        if (_minLength < 0 || Compare(value, _min.AsSpan(0, _minLength)) < 0)
        {
            Copy(value, ref _min, out _minLength);
        }

        if (_maxLength < 0 || Compare(value, _max.AsSpan(0, _maxLength)) > 0)
        {
            Copy(value, ref _max, out _maxLength);
        }
    }

    private int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        Column.SortOrder == SortOrder.Signed ? StatisticsOrder.CompareSignedBigEndian(a, b) : a.SequenceCompareTo(b);

    private static void Copy(ReadOnlySpan<byte> value, ref byte[] target, out int length)
    {
        if (target.Length < value.Length)
        {
            target = new byte[Math.Max(value.Length, target.Length * 2)];
        }

        value.CopyTo(target);
        length = value.Length;
    }

    protected override ParquetEncoding EncodeValues(ByteBuffer output, ReadOnlySpan<byte> callerValues)
    {
        Debug.Assert(callerValues.IsEmpty, "this writer always copies its values");
        int count = _count;
        _count = 0;
        if (_mode == Mode.Dictionary && count > 0)
        {
            int bitWidth = Math.Max(1, BitPacking.BitWidth((ulong)Math.Max(_dictionary.Count - 1, 0)));
            output.WriteByte((byte)bitWidth);
            RleBitPackedHybrid.Encode<int>(_indices.AsSpan(0, count), bitWidth, output);
            return ParquetEncoding.RleDictionary;
        }

        output.Write(_plain.WrittenSpan);
        _plain.Clear();
        return ParquetEncoding.Plain;
    }

    protected override (byte[]? Min, byte[]? Max, bool Omitted) TakePageMinMax()
    {
        foreach (int index in _pageEntries)
        {
            UpdateMinMax(_dictionary[index]);
        }

        _pageEntries.Clear();
        if (++_pageStamp == int.MaxValue)
        {
            Array.Clear(_seenInPage);
            _pageStamp = 1;
        }

        bool omitted = _statsTooLarge;
        (byte[]? min, byte[]? max) = _minLength >= 0 && !_statsTooLarge
            ? (_min.AsSpan(0, _minLength).ToArray(), _max.AsSpan(0, _maxLength).ToArray())
            : ((byte[]?)null, (byte[]?)null);
        _minLength = -1;
        _maxLength = -1;
        _statsTooLarge = false;
        return (min, max, omitted);
    }

    protected override int EncodeDictionary(ByteBuffer output)
    {
        if (_dictionary.Count == 0)
        {
            return 0;
        }

        output.Write(_dictionary.Plain);
        return _dictionary.Count;
    }

    protected override void ResetValues()
    {
        _count = 0;
        _plain.Clear();
        _dictionary.Clear();
        _mode = Mode.Undecided;
    }

    private Mode Choose(ReadOnlySpan<byte> data, ReadOnlySpan<int> sampleOffsets)
    {
        if (Requested == ParquetEncoding.Plain)
        {
            return Mode.Plain;
        }

        if (Requested is ParquetEncoding.RleDictionary or ParquetEncoding.PlainDictionary)
        {
            return Mode.Dictionary;
        }

        int n = sampleOffsets.Length - 1;
        if (n < 64)
        {
            return Mode.Dictionary;
        }

        // Counted in a table kept for the next chunk (no allocation per chunk).
        ByteArrayDictionary probe = _probe ??= new ByteArrayDictionary(lengthPrefixed: false);
        for (int i = 0; i < n; i++)
        {
            probe.GetOrAdd(data[sampleOffsets[i]..sampleOffsets[i + 1]]);
        }

        int distinct = probe.Count;
        probe.Clear();
        return distinct * 2 > n ? Mode.Plain : Mode.Dictionary;
    }

    public override void Dispose()
    {
        base.Dispose();
        _plain.Dispose();
        _dictionary.Dispose();
        _probe?.Dispose();
        if (_indices.Length > 0)
        {
            ArrayPool<int>.Shared.Return(_indices);
        }
    }
}
