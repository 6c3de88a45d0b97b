using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Sink;

/// <summary>
/// The binary layout of a record, derived from its fields (docs/formats.md, "Log-sink records"): a null bitmap of
/// one bit per nullable field (bit set = null, LSB first) at offset 0, then every field in order, packed without
/// padding, little-endian; a BYTE_ARRAY field is a 4-byte length and its bytes, so records holding one are
/// variable length. Immutable and thread-safe.
/// </summary>
public sealed class RecordLayout
{
    private readonly RecordField[] _fields;
    private readonly int[] _offsets;
    private readonly int[] _nullBits;
    private readonly int[] _runs;

    /// <summary>Builds the layout of <paramref name="fields"/>; throws <see cref="SchemaException"/> for an empty or duplicate-named list.</summary>
    public RecordLayout(IReadOnlyList<RecordField> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count == 0)
        {
            throw new SchemaException("a record layout needs at least one field");
        }

        _fields = [.. fields];
        _offsets = new int[_fields.Length];
        _nullBits = new int[_fields.Length];
        int nullable = 0;
        for (int i = 0; i < _fields.Length; i++)
        {
            _nullBits[i] = _fields[i].Nullable ? nullable++ : -1;
        }

        BitmapLength = (nullable + 7) / 8;
        int offset = BitmapLength;
        bool variable = false;
        var runs = new List<int>();
        int run = BitmapLength;
        for (int i = 0; i < _fields.Length; i++)
        {
            // After the first byte array the offsets of later fields depend on the record: -1.
            _offsets[i] = variable ? -1 : offset;
            offset += _fields[i].Length;
            variable |= _fields[i].Kind == RecordFieldKind.ByteArray;
            if (_fields[i].Kind == RecordFieldKind.ByteArray)
            {
                runs.Add(run);
                run = 0;
            }
            else
            {
                run += _fields[i].Length;
            }
        }

        runs.Add(run);

        // Pinned: C producers validate with it through a pointer (pqflow_producer.runs) for as long as the layout lives.
        _runs = GC.AllocateArray<int>(runs.Count, pinned: true);
        runs.CopyTo(_runs);
        MinLength = offset;
        FixedLength = variable ? -1 : offset;
        AcceptsColumns = Array.TrueForAll(_fields, f => !f.Nullable && f.Kind is RecordFieldKind.Boolean or RecordFieldKind.Int32 or RecordFieldKind.Int64 or RecordFieldKind.Float or RecordFieldKind.Double);
        Schema = new ParquetSchema(_fields.Select(f => f.ToColumn()));
    }

    /// <summary>Builds the layout of <paramref name="fields"/>.</summary>
    public RecordLayout(params RecordField[] fields)
        : this((IReadOnlyList<RecordField>)fields)
    {
    }

    /// <summary>The fields in record order.</summary>
    public IReadOnlyList<RecordField> Fields => _fields;

    /// <summary>The Parquet schema the records are written with (one column per field).</summary>
    public ParquetSchema Schema { get; }

    /// <summary>Bytes of the null bitmap at the start of each record.</summary>
    public int BitmapLength { get; }

    /// <summary>The record length when every record has the same length; -1 when a BYTE_ARRAY field makes it vary.</summary>
    public int FixedLength { get; }

    /// <summary>The shortest valid record (every byte array empty).</summary>
    public int MinLength { get; }

    /// <summary>
    /// Whether <see cref="LogSink.TryLogColumns"/> takes batches of this layout: every field is fixed-width and not
    /// nullable (Boolean, Int32, Int64 and timestamps, Float, Double). A column batch has no null bitmap, and Int96,
    /// fixed bytes and strings have no widening to speak of: such layouts log records only.
    /// </summary>
    public bool AcceptsColumns { get; }

    /// <summary>
    /// The fixed-size stretches around the BYTE_ARRAY fields, which is all validation needs: element 0 is the bitmap and
    /// the fields before the first byte array, element <c>i</c> the fields between the <c>i</c>-th byte array and the
    /// next (or the end). A fixed-length layout has one element, its length. <c>pqflow_log_fast</c> validates with it;
    /// its address never changes.
    /// </summary>
    internal ReadOnlySpan<int> Runs => _runs;

    /// <summary>The offset of field <paramref name="index"/>, or -1 when it follows a BYTE_ARRAY field.</summary>
    public int OffsetOf(int index) => _offsets[index];

    /// <summary>The bit of field <paramref name="index"/> in the null bitmap, or -1 when it is not nullable.</summary>
    public int NullBitOf(int index) => _nullBits[index];

    /// <summary>Whether <paramref name="record"/> is well formed: its length matches the fields and every length prefix fits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsValid(ReadOnlySpan<byte> record) => FixedLength >= 0 ? record.Length == FixedLength : IsValidVariable(record);

    /// <summary>Whether field <paramref name="index"/> is null in <paramref name="record"/>.</summary>
    public bool IsNull(ReadOnlySpan<byte> record, int index)
    {
        int bit = _nullBits[index];
        return bit >= 0 && (record[bit >> 3] & (1 << (bit & 7))) != 0;
    }

    private bool IsValidVariable(ReadOnlySpan<byte> record)
    {
        if (record.Length < MinLength)
        {
            return false;
        }

        // The same walk as pqflow_log_fast's in include/parquet_flow.h: keep the two alike.
        long offset = _runs[0];
        for (int i = 1; i < _runs.Length; i++)
        {
            if (offset + 4 > record.Length)
            {
                return false;
            }

            int length = BinaryPrimitives.ReadInt32LittleEndian(record[(int)offset..]);
            if (length < 0)
            {
                return false;
            }

            offset += 4L + length + _runs[i];
            if (offset > record.Length)
            {
                return false;
            }
        }

        return offset == record.Length;
    }
}
