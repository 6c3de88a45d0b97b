using System.Buffers;
using System.Net.Sockets;
using DuckDB.NET.Data;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Images;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Server;
using ParquetFlow.Durability.Faults;

namespace ParquetFlow.PowerCut;

/// <summary>
/// The collector, a real <see cref="CollectorServer"/> over loopback TCP: three sources send DIFF packets (one of them
/// dated yesterday, so its partition gets nothing after a restart), the server flushes after every batch, and its
/// <see cref="CollectorMetrics.FramesDurable"/> and <see cref="CollectorMetrics.RowsDurable"/> are the promises. After
/// the cut: the raw log holds every durable frame in order; <c>image.bin</c> is exactly a replay of the raw log up to
/// the position it records; a restarted server's images equal a replay of the whole log; after its clean stop every
/// durable row is in a finished Parquet file, once.
/// </summary>
internal static class CollectorCampaign
{
    private const int Sources = 3;
    private const int Registers = 4;
    private const int Batches = 8;
    private const int FramesPerBatch = 12;
    private const long Day = 86_400_000_000L;

    // Source s sends times on day s after s_t0, frame n at s_t0 + s * Day + n microseconds. s_t0 is the midnight UTC two days
    // before today (an hour ago, so today's times are never ahead of the clock): every time is inside the collector's
    // window (at most 7 days old, 1 hour ahead), and the oldest source's partition is one that gets no rows at restart.
    private static readonly long s_t0 = ((DateTime.UtcNow.AddHours(-1).Date.AddDays(-2) - DateTime.UnixEpoch).Ticks / 10);

    public static (Tally RawLog, Tally Image, Tally Parquet) Run(int cuts, int seed)
    {
        var raw = new Tally("collector raw log");
        var image = new Tally("collector image.bin");
        var parquet = new Tally("collector Parquet");
        Campaign.Run("collector", raw, cuts, seed, Live, (cut, promise) => Check(cut, promise, raw, image, parquet));
        image.Cuts = raw.Cuts;
        parquet.Cuts = raw.Cuts;
        return (raw, image, parquet);
    }

    private sealed record Promise(long Frames, long Rows);

    private static CollectorOptions Options(string directory, Durability.Storage storage) => new()
    {
        DataDirectory = directory,
        Listeners = [new ListenerOptions(0, FramingKind.Packet)],
        FlushInterval = TimeSpan.FromHours(1),
        PartitionIdleTimeout = TimeSpan.FromHours(1),
        RawLogRotateBytes = 4096,
        ParquetRotateBytes = 4096,
        Storage = storage,
    };

    private static Promise Live(FaultyStorage storage, string directory, Random random)
    {
        CollectorServer server;
        try
        {
            server = CollectorServer.Start(Options(directory, storage));
        }
        catch (Exception e) when (Campaign.IsPowerLoss(e, storage))
        {
            return new Promise(0, 0);
        }

        try
        {
            using var client = new TcpClient();
            client.Connect(server.EndPoints[0]);
            NetworkStream stream = client.GetStream();
            var packet = new RackPacket { Command = PacketCommand.Diff, SourceType = SourceType.Rack };
            var output = new ArrayBufferWriter<byte>();
            long sent = 0;
            for (int b = 0; b < Batches && !storage.PoweredOff; b++)
            {
                output.Clear();
                for (int f = 0; f < FramesPerBatch; f++, sent++)
                {
                    Describe(sent, packet);
                    PacketFraming.Write(output, packet);
                }

                try
                {
                    stream.Write(output.WrittenSpan);
                }
                catch (IOException)
                {
                    break; // the server closed the connection: an append failed once the power was gone
                }

                // Accepted (raw-logged, applied, handed to Parquet) or refused: bounded, never a sleep as synchronization.
                var deadline = DateTime.UtcNow.AddSeconds(30);
                var spin = default(SpinWait);
                while (server.Metrics.Frames < sent && server.Metrics.Rejected == 0 && DateTime.UtcNow < deadline)
                {
                    spin.SpinOnce();
                }

                server.Flush();
                _ = random.Next();
            }
        }
        finally
        {
            try
            {
                server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            catch (Exception e) when (Campaign.IsPowerLoss(e, storage))
            {
            }
        }

        return new Promise(server.Metrics.FramesDurable, server.Metrics.RowsDurable);
    }

    /// <summary>Frame <paramref name="n"/>: source n % 3, four registers whose values derive from n.</summary>
    private static void Describe(long n, RackPacket packet)
    {
        int source = (int)(n % Sources);
        packet.SourceId = source + 1;
        packet.Sequence = (int)((n / Sources) & 0xFF);
        packet.TimestampUs = s_t0 + (source * Day) + n;
        packet.SetCount(Registers);
        for (int k = 0; k < Registers; k++)
        {
            packet.Control[k] = Offset(source, k);
            packet.Data[k] = (ushort)((n * Registers) + k);
        }
    }

    private static ushort Offset(int source, int register) => (ushort)((register * 100) + source);

    private static long FrameOf(long timeUs, int sourceId) => timeUs - s_t0 - ((sourceId - 1) * Day);

    private static void Check(Cut cut, Promise promise, Tally raw, Tally image, Tally parquet)
    {
        raw.Promised += promise.Frames;
        parquet.Promised += promise.Rows;
        string rawDirectory = Path.Combine(cut.Directory, "raw");

        // The raw log: frames 0, 1, 2, ... in order, at least the durable ones.
        var records = new List<(long Frame, int File, long Offset, long End)>();
        var packet = new RackPacket();
        var reader = new RawLogReader();
        foreach (RawLogRecord record in reader.Read(rawDirectory))
        {
            var bytes = new ReadOnlySequence<byte>(record.Frame);
            if (PacketFraming.TryRead(ref bytes, packet, out string? error) != FrameStatus.Complete)
            {
                raw.AddAnomaly($"{cut}: a raw-log record does not parse ({error})");
                continue;
            }

            // The durable frames come first, each once, in order; past them a torn unsynced write may leave a gap
            // that the reader skipped, but a frame never comes out of order or twice.
            long frame = FrameOf(packet.TimestampUs, packet.SourceId);
            long due = records.Count == 0 ? 0 : records[^1].Frame + 1;
            if (frame < due || (frame > due && due < promise.Frames))
            {
                raw.AddAnomaly($"{cut}: raw-log frame {frame} where frame {due} was due");
            }
            else if (frame > due)
            {
                raw.Note("unpromised frames after a torn gap", 1);
            }

            records.Add((frame, RawLogReaderSequence(record.File), record.Offset, record.Offset + 20 + record.Frame.Length));
        }

        long prefix = 0;
        while (prefix < records.Count && records[(int)prefix].Frame == prefix)
        {
            prefix++;
        }

        raw.AddLost(Math.Max(0, promise.Frames - prefix), $"{cut}: the raw log holds frames 0..{prefix - 1} in order, {promise.Frames} were durable");
        raw.Extra += Math.Max(0, records.Count - promise.Frames);
        var logged = new HashSet<long>(records.Select(r => r.Frame));

        // image.bin: exactly the replay of the raw log up to the position it records, never beyond the durable log.
        string imagePath = Path.Combine(cut.Directory, "image.bin");
        if (File.Exists(imagePath))
        {
            var saved = new RegisterImages();
            if (saved.Load(imagePath) is not { } covers)
            {
                image.AddAnomaly($"{cut}: image.bin records no raw-log position");
            }
            else
            {
                long[] covered = [.. records.Where(r => covers.Covers(r.File, r.Offset)).Select(r => r.Frame)];
                image.Promised += covered.Length;
                // Past the end of the last intact record, it would cover frames the durable raw log lacks (a record
                // starts at byte 16 of a file at the earliest: (F, 16) covers nothing of file F).
                RawLogPosition end = records.Count == 0 ? RawLogPosition.Start : new RawLogPosition(records[^1].File, records[^1].End);
                if ((covers.File == end.File && covers.Offset > end.Offset) || (covers.File > end.File && covers.Offset > 16))
                {
                    image.AddAnomaly($"{cut}: image.bin covers the raw log up to {covers}, the durable raw log ends at {end}");
                }

                Compare(cut, image, "image.bin", saved, covered);
            }
        }

        // A restart: its images are the whole log's replay; after its clean stop, every partition's rows are in finished files.
        var restarted = CollectorServer.Start(Options(cut.Directory, Durability.Storage.Default));
        try
        {
            Compare(cut, image, "the restarted server's images", restarted.Images, [.. records.Select(r => r.Frame)]);
        }
        finally
        {
            restarted.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        CheckParquet(cut, promise, logged, parquet);
    }

    /// <summary>Compares <paramref name="images"/> with what <paramref name="frames"/>, applied in order, make.</summary>
    private static void Compare(Cut cut, Tally tally, string what, RegisterImages images, long[] frames)
    {
        ushort[] offsets = new ushort[Registers];
        ushort[] values = new ushort[Registers];
        for (int source = 0; source < Sources; source++)
        {
            // The last frame of this source below `frames` set its registers.
            long last = frames.Where(f => f % Sources == source).DefaultIfEmpty(-1).Max();
            for (int k = 0; k < Registers; k++)
            {
                offsets[k] = Offset(source, k);
            }

            bool known = images.Query(new SourceKey(SourceType.Rack, source + 1), offsets, values);
            for (int k = 0; k < Registers; k++)
            {
                ushort expected = last >= 0 ? (ushort)((last * Registers) + k) : (ushort)0;
                if ((last >= 0 && !known) || values[k] != expected)
                {
                    tally.AddAnomaly($"{cut}: {what}: source {source + 1} register {offsets[k]} holds {values[k]}, a replay of {frames.Length} frames gives {expected}");
                    return;
                }
            }
        }
    }

    private static void CheckParquet(Cut cut, Promise promise, HashSet<long> logged, Tally parquet)
    {
        string root = Path.Combine(cut.Directory, "parquet");
        string[] leftovers = Directory.Exists(root) ? Directory.GetFiles(root, "*.inprogress*", SearchOption.AllDirectories) : [];
        foreach (string leftover in leftovers)
        {
            parquet.AddAnomaly($"{cut}: {Path.GetRelativePath(cut.Directory, leftover)} still in progress after a restart and a clean stop");
        }

        string[] files = Directory.Exists(root) ? Directory.GetFiles(root, "*.parquet", SearchOption.AllDirectories) : [];
        var rows = new Dictionary<long, int>();
        if (files.Length > 0)
        {
            using var connection = new DuckDBConnection("DataSource=:memory:");
            connection.Open();
            using DuckDBCommand command = connection.CreateCommand();
            command.CommandText = "SELECT epoch_us(time), source_id, \"offset\", \"value\" FROM read_parquet(["
                + string.Join(", ", files.Select(f => "'" + f + "'")) + "], hive_partitioning = false)";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                int sourceId = reader.GetInt32(1);
                long frame = FrameOf(reader.GetInt64(0), sourceId);
                int register = (reader.GetInt32(2) - (sourceId - 1)) / 100;
                if (frame < 0 || reader.GetInt32(3) != (ushort)((frame * Registers) + register))
                {
                    parquet.AddAnomaly($"{cut}: a Parquet row of frame {frame} holds the wrong value");
                }

                rows[frame] = rows.GetValueOrDefault(frame) + 1;
            }
        }

        long framesPromised = promise.Rows / Registers;
        long missing = 0;
        for (long frame = 0; frame < framesPromised; frame++)
        {
            missing += Math.Max(0, Registers - rows.GetValueOrDefault(frame));
        }

        parquet.AddLost(missing, $"{cut}: {missing} of the {promise.Rows} rows a returned flush made durable are missing");
        foreach ((long frame, int count) in rows)
        {
            if (count > Registers)
            {
                parquet.AddAnomaly($"{cut}: frame {frame} has {count} rows");
            }

            if (frame >= framesPromised)
            {
                parquet.Extra += count;
            }

            if (!logged.Contains(frame))
            {
                parquet.Note("rows of frames the durable raw log lacks", count);
            }
        }
    }

    private static int RawLogReaderSequence(string path)
    {
        string name = Path.GetFileNameWithoutExtension(path);
        return int.Parse(name.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture);
    }
}
