// `pqflow shm record`: a SharedRing consumer that writes what it reads into a Parquet file through ParquetFileWriter.
using System.Buffers.Binary;
using System.CommandLine;
using Microsoft.Extensions.Logging;
using ParquetFlow.Durability;
using ParquetFlow.Ipc;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Cli.Commands;

internal static class ShmRecordCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "Segment name (the file is DIR/pqflow-NAME) or a path" };
        var output = new Argument<string>("output") { Description = "Parquet file to write (appears when complete)" };
        var consumer = new Option<string?>("--consumer") { Description = "Record as this named consumer (resumes its cursor)" };
        var from = new Option<SharedRingStart>("--from") { Description = "Where a new consumer starts: Latest or Oldest", DefaultValueFactory = _ => SharedRingStart.Latest };
        var rowGroup = new Option<int>("--row-group") { Description = "Rows per row group", DefaultValueFactory = _ => 65536 };
        var maxRows = new Option<long>("--max-rows") { Description = "Stop after this many rows (0: until the producer closes or dies, or Ctrl-C)" };
        Option<CompressionCodec> compression = CompressionOption.Create("Page codec");
        Option<ParquetProfile> profile = ProfileOption.Create();
        Option<WaitStrategy> wait = CommonOptions.Wait(WaitStrategy.Futex);
        Option<string?> dir = CommonOptions.SegmentDirectory();
        var command = new Command("record", "Follow a segment and write its rows to a Parquet file.") { name, output, consumer, from, rowGroup, maxRows, compression, profile, wait, dir };
        command.SetAction(parse =>
        {
            if (!CompressionOption.TryGet(parse, compression, "shm record", out CompressionCodec codec))
            {
                return 2;
            }

            try
            {
                return Record(parse.GetValue(name)!, parse.GetValue(output)!, parse.GetValue(consumer), parse.GetValue(from), Math.Max(1, parse.GetValue(rowGroup)),
                    parse.GetValue(maxRows), codec, parse.GetValue(profile), parse.GetValue(wait), parse.GetValue(dir));
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"pqflow shm record: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static int Record(string name, string output, string? consumerName, SharedRingStart from, int rowGroup, long maxRows, CompressionCodec codec, ParquetProfile profile, WaitStrategy wait, string? dir)
    {
        using ILoggerFactory logging = ConsoleLogging.Create();
        using SharedRingConsumer reader = SharedRingConsumer.Attach(name, consumerName, from, dir, logger: logging.CreateLogger<SharedRingConsumer>());
        long lostBefore = reader.LostRows; // a named consumer resumes with the losses of its earlier runs
        SharedRingSchema schema = reader.Schema;
        var columns = schema.Columns.Select(c => new ColumnBuffer(c, rowGroup)).ToArray();
        var parquetSchema = new ParquetSchema(columns.Select(c => c.Descriptor));
        bool stop = false;
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop = true;
        };

        // Files appear complete or not at all: written under a temporary name, fsynced, renamed, directory fsynced.
        long rows = 0;
        int buffered = 0;
        var options = new ParquetWriterOptions { Compression = codec, Profile = profile, KeyValueMetadata = new Dictionary<string, string> { ["pqflow.shared_ring.schema"] = reader.SchemaJson } };
        Storage.Default.ReplaceAtomically(output, stream =>
        {
            using var progress = new Progress("shm record");
            using var writer = new ParquetFileWriter(stream, parquetSchema, options, leaveOpen: true);
            int batchRows = Math.Min(rowGroup, 4096);
            var batch = new byte[schema.RowSize * batchRows];
            while (!stop && (maxRows == 0 || rows < maxRows))
            {
                int want = (int)Math.Min(Math.Min(batchRows, rowGroup - buffered), maxRows == 0 ? long.MaxValue : maxRows - rows);
                int n = reader.ReadBatch(batch.AsSpan(0, want * schema.RowSize), out _, out long lost);
                if (lost > 0)
                {
                    Console.Error.WriteLine($"# lapped: lost {lost} rows");
                    continue;
                }

                if (n == 0)
                {
                    if (!reader.WaitForRow(wait, TimeSpan.FromMilliseconds(200))
                        && reader.ProducerStatus is ProducerStatus.Closed or ProducerStatus.Dead or ProducerStatus.None
                        && reader.Cursor >= reader.Head)
                    {
                        break;
                    }

                    continue;
                }

                for (int i = 0; i < n; i++)
                {
                    ReadOnlySpan<byte> row = batch.AsSpan(i * schema.RowSize, schema.RowSize);
                    foreach (ColumnBuffer c in columns)
                    {
                        c.Append(row, buffered);
                    }

                    buffered++;
                }

                rows += n;
                progress.Report(rows, maxRows == 0 ? null : maxRows, $"{rows:N0} rows, {reader.LostRows:N0} lost to laps");
                if (buffered == rowGroup)
                {
                    WriteRowGroup(writer, columns, buffered);
                    buffered = 0;
                }
            }

            WriteRowGroup(writer, columns, buffered);
            writer.Close();
        });

        Console.Error.WriteLine($"recorded {rows} rows to {output}; {reader.LostRows} rows lost to laps");
        if (reader.LostRows > lostBefore)
        {
            Console.Error.WriteLine($"pqflow shm record: {output} misses {reader.LostRows - lostBefore} rows the producer overwrote before they were read");
            return 1;
        }

        return 0;
    }

    private static void WriteRowGroup(ParquetFileWriter writer, ColumnBuffer[] columns, int count)
    {
        if (count == 0)
        {
            return;
        }

        using RowGroupWriter group = writer.BeginRowGroup();
        for (int i = 0; i < columns.Length; i++)
        {
            columns[i].WriteTo(group, i, count);
        }
    }

    /// <summary>One column transposed out of the rows: 64-bit types as long, smaller integers widened to int.</summary>
    private sealed class ColumnBuffer
    {
        private readonly SharedRingColumn _column;
        private readonly long[]? _longs;
        private readonly int[]? _ints;
        private readonly double[]? _doubles;
        private readonly float[]? _floats;
        private readonly bool[]? _bools;

        public ColumnBuffer(SharedRingColumn column, int capacity)
        {
            _column = column;
            string n = column.Name;
            switch (column.Type)
            {
                case SharedColumnType.F64: _doubles = new double[capacity]; Descriptor = ColumnDescriptor.Double(n); break;
                case SharedColumnType.F32: _floats = new float[capacity]; Descriptor = ColumnDescriptor.Float(n); break;
                case SharedColumnType.Bool: _bools = new bool[capacity]; Descriptor = ColumnDescriptor.Boolean(n); break;
                case SharedColumnType.I64: _longs = new long[capacity]; Descriptor = ColumnDescriptor.Int64(n); break;
                case SharedColumnType.U64: _longs = new long[capacity]; Descriptor = ColumnDescriptor.Int64(n, logicalType: LogicalType.Integer(64, false)); break;
                case SharedColumnType.TimestampNs: _longs = new long[capacity]; Descriptor = ColumnDescriptor.Timestamp(n, TimeUnit.Nanos); break;
                case SharedColumnType.I32: _ints = new int[capacity]; Descriptor = ColumnDescriptor.Int32(n); break;
                case SharedColumnType.U32: _ints = new int[capacity]; Descriptor = ColumnDescriptor.Int32(n, logicalType: LogicalType.Integer(32, false)); break;
                case SharedColumnType.I16: _ints = new int[capacity]; Descriptor = ColumnDescriptor.Int32(n, logicalType: LogicalType.Integer(16, true)); break;
                case SharedColumnType.U16: _ints = new int[capacity]; Descriptor = ColumnDescriptor.Int32(n, logicalType: LogicalType.Integer(16, false)); break;
                default: _ints = new int[capacity]; Descriptor = ColumnDescriptor.Int32(n, logicalType: LogicalType.Integer(8, false)); break;
            }
        }

        public ColumnDescriptor Descriptor { get; }

        public void Append(ReadOnlySpan<byte> row, int index)
        {
            ReadOnlySpan<byte> v = row.Slice(_column.Offset, _column.Size);
            switch (_column.Type)
            {
                case SharedColumnType.F64: _doubles![index] = BinaryPrimitives.ReadDoubleLittleEndian(v); break;
                case SharedColumnType.F32: _floats![index] = BinaryPrimitives.ReadSingleLittleEndian(v); break;
                case SharedColumnType.Bool: _bools![index] = v[0] != 0; break;
                case SharedColumnType.I64 or SharedColumnType.U64 or SharedColumnType.TimestampNs: _longs![index] = BinaryPrimitives.ReadInt64LittleEndian(v); break;
                case SharedColumnType.I32 or SharedColumnType.U32: _ints![index] = BinaryPrimitives.ReadInt32LittleEndian(v); break;
                case SharedColumnType.I16: _ints![index] = BinaryPrimitives.ReadInt16LittleEndian(v); break;
                case SharedColumnType.U16: _ints![index] = BinaryPrimitives.ReadUInt16LittleEndian(v); break;
                default: _ints![index] = v[0]; break;
            }
        }

        public void WriteTo(RowGroupWriter group, int column, int count)
        {
            if (_doubles is not null)
            {
                group.WriteColumn<double>(column, _doubles.AsSpan(0, count));
            }
            else if (_floats is not null)
            {
                group.WriteColumn<float>(column, _floats.AsSpan(0, count));
            }
            else if (_bools is not null)
            {
                group.WriteColumn<bool>(column, _bools.AsSpan(0, count));
            }
            else if (_longs is not null)
            {
                group.WriteColumn<long>(column, _longs.AsSpan(0, count));
            }
            else
            {
                group.WriteColumn<int>(column, _ints.AsSpan(0, count));
            }
        }
    }
}
