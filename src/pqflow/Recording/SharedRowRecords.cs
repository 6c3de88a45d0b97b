using System.Buffers.Binary;
using System.Diagnostics;
using ParquetFlow.Ipc;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;

namespace ParquetFlow.Cli.Recording;

/// <summary>
/// The log-sink records of a <see cref="SharedRingSchema"/>'s rows: one non-nullable <see cref="RecordField"/> per column
/// (the same Parquet columns <c>pqflow shm record</c> always wrote) and the conversion of a row into its record. A shared
/// row has the 8-byte sequence stamp at 0 and its columns naturally aligned; a record has no bitmap (nothing is
/// nullable) and its fields packed, with 8- and 16-bit integers widened to the 4 bytes of an INT32 field. When no
/// column is padded or widened the record is the row's bytes after the stamp and is passed through without a copy.
/// Not thread-safe: <see cref="ToRecord"/> reuses one buffer.
/// </summary>
internal sealed class SharedRowRecords
{
    /// <summary>Bytes of the sequence stamp at the start of every shared row (docs/formats.md, "SharedRing segment").</summary>
    private const int StampSize = 8;

    private readonly SharedRingColumn[] _columns;
    private readonly int[] _recordOffsets;
    private readonly byte[] _record;

    public SharedRowRecords(SharedRingSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        _columns = [.. schema.Columns];
        _recordOffsets = new int[_columns.Length];
        var fields = new RecordField[_columns.Length];
        bool passThrough = true;
        int offset = 0;
        for (int i = 0; i < _columns.Length; i++)
        {
            fields[i] = FieldOf(_columns[i]);
            _recordOffsets[i] = offset;
            passThrough &= fields[i].Length == _columns[i].Size && _columns[i].Offset == StampSize + offset;
            offset += fields[i].Length;
        }

        Layout = new RecordLayout(fields);
        Debug.Assert(Layout.BitmapLength == 0 && Layout.FixedLength == offset, "every field is fixed-size and required");
        PassesRowsThrough = passThrough;
        _record = new byte[offset];
    }

    /// <summary>The record layout the rows are logged with.</summary>
    public RecordLayout Layout { get; }

    /// <summary>Whether a record is a slice of its row (no column padded or widened), so <see cref="ToRecord"/> copies nothing.</summary>
    public bool PassesRowsThrough { get; }

    /// <summary>The record field of a shared-ring column: its Parquet physical and logical type.</summary>
    public static RecordField FieldOf(SharedRingColumn column) => column.Type switch
    {
        SharedColumnType.F64 => RecordField.Double(column.Name),
        SharedColumnType.F32 => RecordField.Float(column.Name),
        SharedColumnType.Bool => RecordField.Boolean(column.Name),
        SharedColumnType.I64 => RecordField.Int64(column.Name),
        SharedColumnType.U64 => RecordField.Int64(column.Name, logicalType: LogicalType.Integer(64, false)),
        SharedColumnType.TimestampNs => RecordField.Timestamp(column.Name, TimeUnit.Nanos),
        SharedColumnType.I32 => RecordField.Int32(column.Name),
        SharedColumnType.U32 => RecordField.Int32(column.Name, logicalType: LogicalType.Integer(32, false)),
        SharedColumnType.I16 => RecordField.Int32(column.Name, logicalType: LogicalType.Integer(16, true)),
        SharedColumnType.U16 => RecordField.Int32(column.Name, logicalType: LogicalType.Integer(16, false)),
        SharedColumnType.U8 => RecordField.Int32(column.Name, logicalType: LogicalType.Integer(8, false)),
        _ => throw new ArgumentOutOfRangeException(nameof(column), column.Type, "unknown shared-ring column type"),
    };

    /// <summary>
    /// The record of <paramref name="row"/> (a whole shared row, stamp included): a slice of the row when
    /// <see cref="PassesRowsThrough"/>, else the reused buffer, valid until the next call.
    /// </summary>
    public ReadOnlySpan<byte> ToRecord(ReadOnlySpan<byte> row)
    {
        if (PassesRowsThrough)
        {
            return row.Slice(StampSize, _record.Length);
        }

        Span<byte> record = _record;
        for (int i = 0; i < _columns.Length; i++)
        {
            SharedRingColumn c = _columns[i];
            ReadOnlySpan<byte> value = row.Slice(c.Offset, c.Size);
            Span<byte> field = record[_recordOffsets[i]..];
            switch (c.Type)
            {
                case SharedColumnType.I16:
                    BinaryPrimitives.WriteInt32LittleEndian(field, BinaryPrimitives.ReadInt16LittleEndian(value));
                    break;
                case SharedColumnType.U16:
                    BinaryPrimitives.WriteInt32LittleEndian(field, BinaryPrimitives.ReadUInt16LittleEndian(value));
                    break;
                case SharedColumnType.U8:
                    BinaryPrimitives.WriteInt32LittleEndian(field, value[0]);
                    break;
                default:
                    // Same size and byte order (little-endian) in both: only the place differs.
                    value.CopyTo(field);
                    break;
            }
        }

        return record;
    }
}
