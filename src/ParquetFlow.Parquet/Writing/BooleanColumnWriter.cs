using System.Buffers;
using System.Diagnostics;
using ParquetFlow.Parquet.Encodings;
using ParquetFlow.Parquet.IO;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Parquet.Writing;

/// <summary>Column writer for BOOLEAN: PLAIN (bit-packed) by default, RLE on request.</summary>
internal sealed class BooleanColumnWriter : ColumnWriter
{
    private byte[] _values = ArrayPool<byte>.Shared.Rent(1024);
    private int _count;
    private bool _anyFalse;
    private bool _anyTrue;

    public BooleanColumnWriter(ColumnDescriptor column, ParquetWriterOptions options)
        : base(column, options)
    {
        if (Requested is not (null or ParquetEncoding.Plain or ParquetEncoding.Rle))
        {
            throw new NotSupportedException($"column '{column.Name}': BOOLEAN takes PLAIN or RLE, not {Requested}");
        }
    }

    protected override long BufferedValueBytes => _count / 8;

    /// <summary>Validates a batch without keeping anything; returns its row count.</summary>
    public int Check(ReadOnlySpan<bool> values, ReadOnlySpan<byte> definitionLevels)
    {
        int rows = definitionLevels.IsEmpty ? values.Length : definitionLevels.Length;
        int present = CountPresent(definitionLevels, rows);
        if (present != values.Length)
        {
            throw new InvalidBatchException(Column.Name, $"{values.Length} values for {present} non-null rows; pass exactly one value per definition level of 1");
        }

        return rows;
    }

    public void Write(ReadOnlySpan<bool> values, ReadOnlySpan<byte> definitionLevels)
    {
        int rows = Check(values, definitionLevels);

        int row = 0;
        int valueIndex = 0;
        while (row < rows)
        {
            int take = Math.Min(rows - row, PageRowsLeft);
            ReadOnlySpan<byte> levels = definitionLevels.IsEmpty ? default : definitionLevels.Slice(row, take);
            int n = levels.IsEmpty ? take : levels.Count((byte)1);
            ReadOnlySpan<bool> slice = values.Slice(valueIndex, n);
            if (_values.Length < _count + n)
            {
                byte[] next = ArrayPool<byte>.Shared.Rent(Math.Max(_count + n, _values.Length * 2));
                _values.AsSpan(0, _count).CopyTo(next);
                ArrayPool<byte>.Shared.Return(_values);
                _values = next;
            }

            Span<byte> target = _values.AsSpan(_count, n);
            for (int i = 0; i < n; i++)
            {
                bool v = slice[i];
                target[i] = v ? (byte)1 : (byte)0;
                _anyTrue |= v;
                _anyFalse |= !v;
            }

            _count += n;
            AppendLevels(take, n, levels);
            row += take;
            valueIndex += n;
            ClosePageIfFull();
        }
    }

    protected override ParquetEncoding EncodeValues(ByteBuffer output, ReadOnlySpan<byte> callerValues)
    {
        Debug.Assert(callerValues.IsEmpty, "this writer always copies its values");
        ReadOnlySpan<byte> values = _values.AsSpan(0, _count);
        _count = 0;
        if (Requested == ParquetEncoding.Rle || (Requested is null && Options.Profile == ParquetProfile.Compact))
        {
            // RLE booleans carry a 4-byte length prefix like v1 levels.
            int start = output.Length;
            output.WriteUnmanaged(0);
            RleBitPackedHybrid.Encode(values, 1, output);
            output.PatchInt32(start, output.Length - start - 4);
            return ParquetEncoding.Rle;
        }

        int bytes = (values.Length + 7) / 8;
        Span<byte> dst = output.GetSpan(bytes)[..bytes];
        dst.Clear();
        for (int i = 0; i < values.Length; i++)
        {
            dst[i >> 3] |= (byte)(values[i] << (i & 7));
        }

        output.Advance(bytes);
        return ParquetEncoding.Plain;
    }

    protected override (byte[]? Min, byte[]? Max, bool Omitted) TakePageMinMax()
    {
        if (!_anyFalse && !_anyTrue || !Options.WriteStatistics)
        {
            _anyFalse = _anyTrue = false;
            return (null, null, false);
        }

        byte[] min = [_anyFalse ? (byte)0 : (byte)1];
        byte[] max = [_anyTrue ? (byte)1 : (byte)0];
        _anyFalse = _anyTrue = false;
        return (min, max, false);
    }

    protected override int EncodeDictionary(ByteBuffer output) => 0;

    protected override void ResetValues() => _count = 0;

    public override void Dispose()
    {
        base.Dispose();
        ArrayPool<byte>.Shared.Return(_values);
    }
}
