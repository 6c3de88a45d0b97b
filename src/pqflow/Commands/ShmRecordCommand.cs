// `pqflow shm record`: a SharedRing consumer that logs what it reads through a LogSink, which writes the Parquet files.
using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using ParquetFlow.Cli.Recording;
using ParquetFlow.Ipc;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;

namespace ParquetFlow.Cli.Commands;

internal static class ShmRecordCommand
{
    /// <summary>The key-value metadata key under which every file carries the segment's schema JSON.</summary>
    public const string SchemaKey = "pqflow.shared_ring.schema";

    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "Segment name (the file is DIR/pqflow-NAME) or a path" };
        var output = new Argument<string>("output")
        {
            Description = "Parquet file to write (replaced; appears when complete), or a file pattern with {seq} (6-digit file number, "
                + "continuing after the files already there) and/or {utc} (the file's start time); with rotation, a plain path's later "
                + "files are NAME-000001.parquet, NAME-000002.parquet...",
        };
        var consumer = new Option<string?>("--consumer") { Description = "Record as this named consumer (resumes its cursor)" };
        var from = new Option<SharedRingStart>("--from") { Description = "Where a new consumer starts: Latest or Oldest", DefaultValueFactory = _ => SharedRingStart.Latest };
        var rowGroup = new Option<int>("--row-group") { Description = "Rows per row group", DefaultValueFactory = _ => 65536 };
        var rowGroupTimeout = new Option<double>("--row-group-timeout")
        {
            Description = "Seconds the first row of a row group waits before the row group is written and fsynced anyway: at most this much is lost to a crash",
            DefaultValueFactory = _ => 1,
        };
        var maxRows = new Option<long>("--max-rows") { Description = "Stop after this many rows (0: until the producer closes or dies, or Ctrl-C / SIGTERM)" };
        var rotateRows = new Option<long>("--rotate-rows") { Description = "Start a new file after this many rows (0: no limit)" };
        var rotateBytes = new Option<long>("--rotate-bytes") { Description = "Start a new file once a file has this many bytes (0: no limit; checked after each row group)" };
        var rotateAge = new Option<double>("--rotate-age") { Description = "Start a new file once a file has been open this many seconds (0: no limit)" };
        Option<CompressionCodec> compression = CompressionOption.Create("Page codec");
        Option<ParquetProfile> profile = ProfileOption.Create();
        Option<WaitStrategy> wait = CommonOptions.Wait(WaitStrategy.Futex);
        Option<string?> dir = CommonOptions.SegmentDirectory();
        var command = new Command(
            "record",
            "Follow a segment and write its rows to Parquet through the log sink: each row group fsynced and journaled as it ends, "
            + "files rotated by rows, bytes or age; a run killed midway leaves OUTPUT.inprogress, which `pqflow recover` or the next run on the same OUTPUT recovers.")
        {
            name, output, consumer, from, rowGroup, rowGroupTimeout, maxRows, rotateRows, rotateBytes, rotateAge, compression, profile, wait, dir,
        };
        command.SetAction(parse =>
        {
            if (!CompressionOption.TryGet(parse, compression, "shm record", out CompressionCodec codec))
            {
                return 2;
            }

            double timeout = parse.GetValue(rowGroupTimeout);
            double age = parse.GetValue(rotateAge);
            if (parse.GetValue(rotateRows) < 0 || parse.GetValue(rotateBytes) < 0 || !(age >= 0) || !(timeout > 0) || parse.GetValue(maxRows) < 0)
            {
                Console.Error.WriteLine("pqflow shm record: --rotate-rows, --rotate-bytes, --rotate-age and --max-rows take 0 or more, --row-group-timeout more than 0");
                return 2;
            }

            var sinkOptions = new LogSinkOptions
            {
                FilePattern = parse.GetValue(output)!,
                RowGroupRows = Math.Max(1, parse.GetValue(rowGroup)),
                RowGroupTimeout = TimeSpan.FromSeconds(timeout),
                MaxRowsPerFile = parse.GetValue(rotateRows),
                MaxBytesPerFile = parse.GetValue(rotateBytes),
                MaxFileAge = age > 0 ? TimeSpan.FromSeconds(age) : null,
                Compression = codec,
                Profile = parse.GetValue(profile),

                // One producer (this thread); a full ring makes it wait for the writer, so no row read is dropped.
                MultiProducer = false,
                FullMode = RingFullMode.Wait,
            };
            try
            {
                return Record(parse.GetValue(name)!, parse.GetValue(consumer), parse.GetValue(from), parse.GetValue(maxRows), sinkOptions, parse.GetValue(wait), parse.GetValue(dir));
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"pqflow shm record: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static int Record(string name, string? consumerName, SharedRingStart from, long maxRows, LogSinkOptions options, WaitStrategy wait, string? dir)
    {
        using ILoggerFactory logging = ConsoleLogging.Create();
        using SharedRingConsumer reader = SharedRingConsumer.Attach(name, consumerName, from, dir, logger: logging.CreateLogger<SharedRingConsumer>());
        long lostBefore = reader.LostRows; // a named consumer resumes with the losses of its earlier runs
        SharedRingSchema schema = reader.Schema;
        var records = new SharedRowRecords(schema);
        options = options with
        {
            KeyValueMetadata = new Dictionary<string, string> { [SchemaKey] = reader.SchemaJson },
            Logger = logging.CreateLogger<LogSink>(),
        };

        // Ctrl-C and SIGTERM end the recording the way the producer closing does: the last row group and the file complete.
        bool stop = false;
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            Volatile.Write(ref stop, true);
        });
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            Volatile.Write(ref stop, true);
        });

        long rows = 0;
        bool ok;
        using (OutputSink output = OutputSink.Start(records.Layout, options, "shm record", Console.Error))
        {
            LogSink sink = output.Sink;
            int batchRows = Math.Min(options.RowGroupRows, 4096);
            var batch = new byte[schema.RowSize * batchRows];
            bool writerAlive = true;
            using var progress = new Progress("shm record");
            while (writerAlive && !Volatile.Read(ref stop) && (maxRows == 0 || rows < maxRows))
            {
                int want = (int)Math.Min(batchRows, maxRows == 0 ? long.MaxValue : maxRows - rows);
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
                    // Wait mode: Ok, or Io once the writer thread died (Complete below reports why).
                    if (sink.TryLog(records.ToRecord(batch.AsSpan(i * schema.RowSize, schema.RowSize))) != LogResult.Ok)
                    {
                        writerAlive = false;
                        break;
                    }

                    rows++;
                }

                progress.Report(rows, maxRows == 0 ? null : maxRows, $"{rows:N0} rows, {sink.Statistics.Files:N0} files, {reader.LostRows:N0} lost to laps");
            }

            progress.Dispose();
            ok = output.Complete("shm record", Console.Error);
            LogSinkStatistics s = output.Statistics;
            string where = output.FirstFile is { } file && s.Files <= 1 ? file : $"{s.Files:N0} files ({output.Output})";
            Console.Error.WriteLine($"recorded {s.Written} rows to {where}; {reader.LostRows} rows lost to laps");
        }

        if (!ok)
        {
            return 1;
        }

        if (reader.LostRows > lostBefore)
        {
            Console.Error.WriteLine($"pqflow shm record: {options.FilePattern} misses {reader.LostRows - lostBefore} rows the producer overwrote before they were read");
            return 1;
        }

        return 0;
    }
}
