using System.CommandLine;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using ParquetFlow.Bench;
using ParquetFlow.Ipc;

namespace ParquetFlow.Cli.Commands;

/// <summary><c>pqflow shm create|write|tail|stats|list|remove|record|bench</c>: SharedRing segments from the command line.</summary>
internal static class ShmCommand
{
    public static Command Create()
    {
        var command = new Command("shm", "Shared-memory rings (SharedRing on /dev/shm): create, write, tail, inspect, record to Parquet.");
        command.Subcommands.Add(CreateCommand());
        command.Subcommands.Add(WriteCommand());
        command.Subcommands.Add(TailCommand());
        command.Subcommands.Add(StatsCommand());
        command.Subcommands.Add(ListCommand());
        command.Subcommands.Add(RemoveCommand());
        command.Subcommands.Add(ShmRecordCommand.Create());
        Command bench = ShmBench.Create("bench"); // the name before `pqflow bench shm`, kept for scripts
        bench.Hidden = true;
        command.Subcommands.Add(bench);
        return command;
    }

    private static Option<string?> DirectoryOption() => CommonOptions.SegmentDirectory();

    private static Argument<string> NameArgument() => new("name") { Description = "Segment name (the file is DIR/pqflow-NAME) or a path" };

    private static Command CreateCommand()
    {
        var name = NameArgument();
        var rows = new Option<long>("--rows") { Description = "Capacity in rows (rounded up to a power of two)", DefaultValueFactory = _ => 65536 };
        var columns = new Option<string[]>("--column", "-c")
        {
            Description = "Column as NAME:TYPE (f64 f32 i64 i32 i16 u64 u32 u16 u8 bool timestamp_ns); repeat, in row order",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var locked = new Option<bool>("--locked") { Description = "Locked mode (a process-shared lock per row) instead of lock-free" };
        var mlock = new Option<bool>("--mlock") { Description = "Pin the segment in RAM" };
        var huge = new Option<bool>("--hugepages") { Description = "Use huge pages (MAP_HUGETLB, else madvise) " };
        var dir = DirectoryOption();
        var command = new Command("create", "Create a segment (or check an existing one has this layout) and print its path.") { name, rows, columns, locked, mlock, huge, dir };
        command.SetAction(parse =>
        {
            var builder = new SharedRingBuilder(parse.GetValue(name)!).Rows(parse.GetValue(rows)).Locked(parse.GetValue(locked))
                .Mlock(parse.GetValue(mlock)).HugePages(parse.GetValue(huge));
            if (parse.GetValue(dir) is string d)
            {
                builder.Directory(d);
            }

            foreach (string spec in parse.GetValue(columns)!)
            {
                int colon = spec.LastIndexOf(':');
                if (colon <= 0 || !SharedRingColumn.TryParseType(spec[(colon + 1)..], out SharedColumnType type))
                {
                    Console.Error.WriteLine($"pqflow shm create: '{spec}' is not NAME:TYPE with TYPE one of f64 f32 i64 i32 i16 u64 u32 u16 u8 bool timestamp_ns");
                    return 2;
                }

                builder.Column(spec[..colon], type);
            }

            // The producer's notices (created or reattached, mlock, huge pages) reach stderr through the logger.
            using ILoggerFactory logging = ConsoleLogging.Create();
            using SharedRingProducer producer = builder.Logger(logging.CreateLogger<SharedRingProducer>()).CreateProducer();
            Console.WriteLine(producer.Path);
            return 0;
        });
        return command;
    }

    private static Command WriteCommand()
    {
        var name = NameArgument();
        var values = new Option<string[]>("--row", "-r") { Description = "One row as comma-separated values in column order; repeat for more rows (default: read rows from stdin, one per line)", AllowMultipleArgumentsPerToken = true };
        var generate = new Option<long>("--generate") { Description = "Publish N synthetic rows (timestamps now, numbers = row sequence)" };
        var dir = DirectoryOption();
        var command = new Command("write", "Attach as the segment's producer (same schema) and publish rows.") { name, values, generate, dir };
        command.SetAction(parse =>
        {
            using ILoggerFactory logging = ConsoleLogging.Create();
            using SharedRingProducer producer = SharedRingBuilder.FromSegment(parse.GetValue(name)!, parse.GetValue(dir)).Logger(logging.CreateLogger<SharedRingProducer>()).CreateProducer();
            SharedRingSchema schema = producer.Schema;
            var row = new byte[schema.RowSize];
            long published = 0;
            long toGenerate = parse.GetValue(generate);
            if (toGenerate > 0)
            {
                for (long i = 0; i < toGenerate; i++)
                {
                    Synthesize(schema, row, producer.Head);
                    producer.Write(row);
                }

                published = toGenerate;
            }
            else
            {
                IEnumerable<string> lines = parse.GetValue(values) is { Length: > 0 } given ? given : ReadLines(Console.In);
                foreach (string line in lines)
                {
                    if (line.Length == 0 || line[0] == '#')
                    {
                        continue;
                    }

                    string[] fields = line.Split(',');
                    if (fields.Length != schema.Columns.Count)
                    {
                        throw new FormatException($"row {published + 1} has {fields.Length} values, the schema has {schema.Columns.Count} columns");
                    }

                    for (int c = 0; c < fields.Length; c++)
                    {
                        schema.WriteValue(row, c, fields[c].Trim());
                    }

                    producer.Write(row);
                    published++;
                }
            }

            Console.Error.WriteLine($"published {published} rows to {producer.Path}; head {producer.Head}");
        });
        return command;
    }

    private static Command TailCommand()
    {
        var name = NameArgument();
        var count = new Option<int>("-n", "--lines") { Description = "Print the newest N rows first", DefaultValueFactory = _ => 10 };
        var follow = new Option<bool>("--follow", "-f") { Description = "Then print new rows as they are published, until the producer closes or dies" };
        var consumer = new Option<string?>("--consumer") { Description = "Follow as this named consumer (registered in the segment, resumes its cursor)" };
        Option<WaitStrategy> wait = CommonOptions.Wait(WaitStrategy.Futex);
        var max = new Option<long>("--max") { Description = "Stop after printing this many followed rows (0: no limit)" };
        var dir = DirectoryOption();
        var command = new Command("tail", "Print the newest rows as CSV (seq, then the columns); --follow keeps reading.") { name, count, follow, consumer, wait, max, dir };
        command.SetAction(parse =>
        {
            long lostHere = 0;
            string? consumerName = parse.GetValue(consumer);
            using ILoggerFactory logging = ConsoleLogging.Create();
            using SharedRingConsumer reader = SharedRingConsumer.Attach(parse.GetValue(name)!, consumerName, SharedRingStart.Latest, parse.GetValue(dir), logger: logging.CreateLogger<SharedRingConsumer>());
            SharedRingSchema schema = reader.Schema;
            var output = new StringBuilder("seq");
            foreach (SharedRingColumn c in schema.Columns)
            {
                output.Append(',').Append(c.Name);
            }

            Console.Out.WriteLine(output);
            int n = Math.Max(0, parse.GetValue(count));
            var rows = new byte[schema.RowSize * (long)Math.Min(n, reader.Capacity)];
            int got = reader.ReadLatest(rows, out long first);
            for (int i = 0; i < got; i++)
            {
                Console.Out.WriteLine(FormatRow(schema, rows.AsSpan(i * schema.RowSize, schema.RowSize), first + i));
            }

            if (!parse.GetValue(follow))
            {
                return 0;
            }

            if (consumerName is null)
            {
                reader.Seek(first + got);
            }

            WaitStrategy strategy = parse.GetValue(wait);
            long limit = parse.GetValue(max);
            var row = new byte[schema.RowSize];
            for (long printed = 0; limit == 0 || printed < limit;)
            {
                long sequence = reader.Cursor;
                switch (reader.TryRead(row, out long lost))
                {
                    case SharedRingReadStatus.Row:
                        Console.Out.WriteLine(FormatRow(schema, row, sequence));
                        printed++;
                        continue;
                    case SharedRingReadStatus.Lapped:
                        Console.Error.WriteLine($"# lapped: lost {lost} rows ({sequence}..{sequence + lost - 1})");
                        lostHere += lost;
                        continue;
                }

                Console.Out.Flush();
                if (!reader.WaitForRow(strategy, TimeSpan.FromMilliseconds(200))
                    && reader.ProducerStatus is ProducerStatus.Closed or ProducerStatus.Dead or ProducerStatus.None
                    && reader.Cursor >= reader.Head)
                {
                    Console.Error.WriteLine($"# producer {reader.ProducerStatus.ToString().ToLowerInvariant()}; {reader.LostRows} rows lost in all");
                    return Followed(lostHere);
                }
            }

            return Followed(lostHere);
        });
        return command;
    }

    private static Command StatsCommand()
    {
        var name = NameArgument();
        var dir = DirectoryOption();
        Option<bool> json = CommonOptions.Json();
        var command = new Command("stats", "Print a segment's header, producer and consumers.") { name, dir, json };
        command.SetAction(parse =>
        {
            SharedRingInfo info = SharedRing.Inspect(parse.GetValue(name)!, parse.GetValue(dir));
            if (parse.GetValue(json))
            {
                JsonOutput.Write(w => WriteStats(w, info));
                return;
            }

            var o = Console.Out;
            o.WriteLine($"segment:   {info.Path}");
            o.WriteLine($"capacity:  {info.Capacity} rows x {info.Schema.RowSize} bytes, {(info.Locked ? "locked" : "lock-free")}, segment {info.SegmentSize} bytes");
            o.WriteLine($"head:      {info.Head}");
            o.WriteLine($"producer:  pid {info.ProducerPid}, {info.Producer.ToString().ToLowerInvariant()}, generation {info.Generation}");
            o.WriteLine($"schema:    {info.SchemaJson}");
            o.WriteLine($"consumers: {info.Consumers.Count}");
            if (info.Consumers.Count > 0)
            {
                var table = new TextTable("name", "state", "pid", "cursor", "lag", "lost");
                foreach (SharedRingConsumerInfo c in info.Consumers)
                {
                    string state = c.Pid == 0 ? "detached" : c.Alive ? "alive" : "dead";
                    table.Add(c.Name, state, c.Pid == 0 ? "" : N(c.Pid), N(c.Cursor), N(Math.Max(0, info.Head - c.Cursor)), N(c.Lost));
                }

                table.WriteTo(o);
            }
        });
        return command;
    }

    private static void WriteStats(System.Text.Json.Utf8JsonWriter w, SharedRingInfo info)
    {
        w.WriteStartObject();
        w.WriteString("name", info.Name);
        w.WriteString("path", info.Path);
        w.WriteNumber("capacity", info.Capacity);
        w.WriteNumber("row_size", info.Schema.RowSize);
        w.WriteNumber("segment_size", info.SegmentSize);
        w.WriteBoolean("locked", info.Locked);
        w.WriteNumber("head", info.Head);
        w.WriteStartObject("producer");
        w.WriteNumber("pid", info.ProducerPid);
        w.WriteString("status", info.Producer.ToString().ToLowerInvariant());
        w.WriteNumber("generation", info.Generation);
        w.WriteEndObject();
        w.WritePropertyName("schema");
        using (var schema = System.Text.Json.JsonDocument.Parse(info.SchemaJson))
        {
            schema.RootElement.WriteTo(w);
        }

        w.WriteStartArray("consumers");
        foreach (SharedRingConsumerInfo c in info.Consumers)
        {
            w.WriteStartObject();
            w.WriteString("name", c.Name);
            w.WriteNumber("pid", c.Pid);
            w.WriteBoolean("alive", c.Alive);
            w.WriteNumber("cursor", c.Cursor);
            w.WriteNumber("lag", Math.Max(0, info.Head - c.Cursor));
            w.WriteNumber("lost", c.Lost);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static Command ListCommand()
    {
        var dir = DirectoryOption();
        var command = new Command("list", "List the segments in /dev/shm (or --dir).") { dir };
        command.SetAction(parse =>
        {
            IReadOnlyList<SharedRingInfo> all = SharedRing.List(parse.GetValue(dir));
            var table = new TextTable("name", "rows", "row bytes", "head", "producer", "pid", "consumers", "path");
            foreach (SharedRingInfo i in all)
            {
                table.Add(i.Name, N(i.Capacity), N(i.Schema.RowSize), N(i.Head), i.Producer.ToString().ToLowerInvariant(), N(i.ProducerPid), N(i.Consumers.Count), i.Path);
            }

            table.WriteTo(Console.Out, indent: "");
        });
        return command;
    }

    private static Command RemoveCommand()
    {
        var name = NameArgument();
        var dir = DirectoryOption();
        var command = new Command("remove", "Delete a segment file (processes that mapped it keep their mapping).") { name, dir };
        command.SetAction(parse =>
        {
            string n = parse.GetValue(name)!;
            if (SharedRing.Remove(n, parse.GetValue(dir)))
            {
                return 0;
            }

            Console.Error.WriteLine($"pqflow shm remove: {SharedRing.PathFor(n, parse.GetValue(dir))} does not exist");
            return 1;
        });
        return command;
    }

    internal static string FormatRow(SharedRingSchema schema, ReadOnlySpan<byte> row, long sequence)
    {
        var line = new StringBuilder(sequence.ToString(CultureInfo.InvariantCulture));
        for (int c = 0; c < schema.Columns.Count; c++)
        {
            line.Append(',').Append(schema.FormatValue(row, c));
        }

        return line.ToString();
    }

    private static void Synthesize(SharedRingSchema schema, Span<byte> row, long sequence)
    {
        for (int c = 0; c < schema.Columns.Count; c++)
        {
            string text = schema.Columns[c].Type switch
            {
                SharedColumnType.TimestampNs => ((DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100).ToString(CultureInfo.InvariantCulture),
                SharedColumnType.Bool => (sequence % 2).ToString(CultureInfo.InvariantCulture),
                SharedColumnType.U8 => (sequence % 256).ToString(CultureInfo.InvariantCulture),
                SharedColumnType.I16 or SharedColumnType.U16 => (sequence % 32768).ToString(CultureInfo.InvariantCulture),
                SharedColumnType.I32 or SharedColumnType.U32 => (sequence % int.MaxValue).ToString(CultureInfo.InvariantCulture),
                _ => sequence.ToString(CultureInfo.InvariantCulture),
            };
            schema.WriteValue(row, c, text);
        }
    }

    private static IEnumerable<string> ReadLines(TextReader reader)
    {
        for (string? line; (line = reader.ReadLine()) is not null;)
        {
            yield return line;
        }
    }

    /// <summary>The exit code of a follow: 1, with one line, when rows were lost to being lapped (not every row was printed).</summary>
    private static int Followed(long lost)
    {
        if (lost == 0)
        {
            return 0;
        }

        Console.Error.WriteLine($"pqflow shm tail: {lost} rows were overwritten before they were read (the producer lapped this consumer); not every row was printed");
        return 1;
    }

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
