using System.Buffers;
using System.Net.Sockets;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Images;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Server;
using ParquetFlow.Durability.Faults;

namespace ParquetFlow.Collector.Tests;

public sealed class CollectorServerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-server-").FullName;

    private CollectorServer Start() => CollectorServer.Start(new CollectorOptions
    {
        DataDirectory = _directory,
        MaxTimestampAge = TimeSpan.MaxValue, // synthetic timestamps of 1970 and 2024 keep their own dates; the window has tests of its own
        Listeners = [new ListenerOptions(0, FramingKind.Packet), new ListenerOptions(0, FramingKind.Simple)],
        FrameTimeout = TimeSpan.FromSeconds(1),
        FlushInterval = TimeSpan.FromMinutes(1),
    });

    internal static byte[] Encode(RackPacket p, bool packetFraming)
    {
        var writer = new ArrayBufferWriter<byte>();
        if (packetFraming)
        {
            PacketFraming.Write(writer, p);
        }
        else
        {
            SimpleFraming.Write(writer, p);
        }

        return writer.WrittenSpan.ToArray();
    }

    internal static RackPacket Diff(int source, int seq, ushort offset, ushort value)
    {
        var p = new RackPacket { Command = PacketCommand.Diff, SourceType = SourceType.Rack, SourceId = source, Sequence = seq, TimestampUs = 1_000 + seq };
        p.SetCount(2);
        p.Control[0] = offset;
        p.Data[0] = value;
        p.Control[1] = (ushort)(offset + 1);
        p.Data[1] = (ushort)(value + 1);
        return p;
    }

    internal static async Task<RackPacket> QueryAsync(NetworkStream stream, int source, params ushort[] offsets)
    {
        var query = new RackPacket { Command = PacketCommand.Query, SourceType = SourceType.Rack, SourceId = source, Sequence = 1 };
        query.SetCount(offsets.Length);
        offsets.CopyTo(query.Control);
        await stream.WriteAsync(Encode(query, packetFraming: true));
        byte[] buffer = new byte[PacketFraming.HeaderSize + (4 * offsets.Length)];
        await stream.ReadExactlyAsync(buffer);
        var sequence = new ReadOnlySequence<byte>(buffer);
        var reply = new RackPacket();
        Assert.Equal(FrameStatus.Complete, PacketFraming.TryRead(ref sequence, reply, out _, acceptReplies: true));
        return reply;
    }

    [Fact]
    public async Task A_stop_whose_fsync_fails_says_what_was_not_stored()
    {
        var faults = new FaultyStorage();
        CollectorServer server = CollectorServer.Start(new CollectorOptions
        {
            DataDirectory = _directory,
            Listeners = [new ListenerOptions(0, FramingKind.Packet)],
            FlushInterval = TimeSpan.FromMinutes(1),
            Storage = faults,
        });
        await using (server)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(server.EndPoints[0]);
            NetworkStream stream = client.GetStream();
            for (int i = 0; i < 20; i++)
            {
                await stream.WriteAsync(Encode(Diff(1, i, 10, (ushort)i), packetFraming: true));
            }

            client.Close();
            await WaitUntil(() => server.Metrics.Frames == 20);
            faults.Fail(StorageFault.IOError, StorageOperation.Sync, p => p.Contains("/raw/", StringComparison.Ordinal));
        }

        Assert.Contains("raw-log frames may not be on disk", server.NotStored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clean_stop_has_stored_everything()
    {
        await using CollectorServer server = Start();
        await server.StopAsync();
        Assert.Null(server.NotStored);
    }

    [Fact]
    public async Task Frames_from_both_framings_reach_the_images_the_raw_log_and_queries()
    {
        await using (CollectorServer server = Start())
        {
            using var packetClient = new TcpClient();
            await packetClient.ConnectAsync(server.EndPoints[0]);
            using var simpleClient = new TcpClient();
            await simpleClient.ConnectAsync(server.EndPoints[1]);
            NetworkStream packets = packetClient.GetStream();
            NetworkStream simple = simpleClient.GetStream();
            for (int i = 0; i < 200; i++)
            {
                await packets.WriteAsync(Encode(Diff(5, i & 0xFF, 100, (ushort)i), packetFraming: true));
                await simple.WriteAsync(Encode(Diff(-3, 0, 7, (ushort)i), packetFraming: false));
            }

            // A query travels behind the packet client's frames on the same connection, so it sees all of them.
            RackPacket reply = await QueryAsync(packets, 5, 100, 101, 9);
            Assert.Equal(new ushort[] { 199, 200, 0 }, reply.Data.ToArray());
            Assert.Equal(0, reply.Flags);
            Assert.Equal(PacketFraming.UnknownSourceFlag, (await QueryAsync(packets, 77, 1)).Flags);

            simpleClient.Close();
            await WaitUntil(() => server.Metrics.Frames == 402);
            ushort[] values = new ushort[2];
            Assert.True(server.Images.Query(new SourceKey(SourceType.Rack, -3), [7, 8], values));
            Assert.Equal(new ushort[] { 199, 200 }, values);
            Assert.Equal(0, server.Images.SequenceGaps);
            Assert.Equal(800, server.Metrics.Registers);
        }

        // Every register of every DIFF is a Parquet row, readable by DuckDB as one Hive-partitioned dataset.
        using (var duck = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:"))
        {
            duck.Open();
            using var command = duck.CreateCommand();
            command.CommandText = $"SELECT count(*), count(DISTINCT source), sum(value)::BIGINT, max(\"offset\"), min(date)::VARCHAR FROM read_parquet('{_directory}/parquet/**/*.parquet', hive_partitioning = true)";
            using var reader = command.ExecuteReader();
            Assert.True(reader.Read());
            Assert.Equal(800L, Convert.ToInt64(reader.GetValue(0)));
            Assert.Equal(2L, Convert.ToInt64(reader.GetValue(1)));
            Assert.Equal(2 * Enumerable.Range(0, 200).Sum(i => (long)(2 * i + 1)), Convert.ToInt64(reader.GetValue(2)));
            Assert.Equal(101L, Convert.ToInt64(reader.GetValue(3)));
            Assert.Equal("1970-01-01", reader.GetValue(4));
        }

        RawLogRecord[] records = [.. new RawLogReader().Read(Path.Combine(_directory, "raw"))];
        Assert.Equal(402, records.Length);
        Assert.Equal(200, records.Count(r => r.Framing == FramingKind.Simple));

        // image.bin written at stop comes back at the next start.
        await using CollectorServer again = Start();
        ushort[] reloaded = new ushort[1];
        Assert.True(again.Images.Query(new SourceKey(SourceType.Rack, 5), [101], reloaded));
        Assert.Equal(200, reloaded[0]);
    }

    [Fact]
    public async Task Replay_rebuilds_the_live_Parquet_dataset_row_for_row()
    {
        // Four connections; two of them feed the same source (RACK-2), so the order in which the server interleaved
        // their frames matters. Days change mid-run (two date partitions), FULL frames mix in.
        const long Day = 86_400_000_000;
        long registers;
        await using (CollectorServer server = CollectorServer.Start(new CollectorOptions
        {
            DataDirectory = _directory,
            MaxTimestampAge = TimeSpan.MaxValue, // synthetic timestamps of 1970 and 2024 keep their own dates; the window has tests of its own
            Listeners = [new ListenerOptions(0, FramingKind.Packet)],
            FlushInterval = TimeSpan.FromMinutes(1),
            ParquetRotateBytes = 64 << 10,
            RawLogRotateBytes = 256 << 10,
        }))
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(async client =>
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(server.EndPoints[0]);
                NetworkStream stream = tcp.GetStream();
                var random = new Random(client);
                var packet = new RackPacket { SourceType = SourceType.Rack, SourceId = Math.Min(client, 2) };
                for (int i = 0; i < 600; i++)
                {
                    packet.Command = i % 97 == 0 ? PacketCommand.Full : PacketCommand.Diff;
                    packet.Sequence = i & 0xFF;
                    packet.TimestampUs = (20_000 * Day) + ((long)i * Day / 400) + client;
                    packet.SetCount(1 + random.Next(60));
                    for (int k = 0; k < packet.Count; k++)
                    {
                        packet.Control[k] = (ushort)random.Next(65_536);
                        packet.Data[k] = (ushort)random.Next(65_536);
                    }

                    await stream.WriteAsync(Encode(packet, packetFraming: true));
                }
            }));
            await WaitUntil(() => server.Metrics.Frames == 2_400);
            registers = server.Metrics.Registers;
        }

        string replayed = Path.Combine(_directory, "replayed");
        using (var output = new Output.ParquetOutput(replayed, 64 << 10))
        {
            var reader = new RawLogReader();
            ReplayResult result = Replay.Run(Path.Combine(_directory, "raw"), reader, images: null, output);
            Assert.Empty(reader.Problems);
            Assert.Equal(2_400, result.Frames);
            Assert.Equal(registers, result.Registers);
        }

        // Each partition's rows in file order (files sort by their sequence number), numbered; both ways of EXCEPT ALL
        // must be empty, so the two datasets hold the same rows in the same order in every partition.
        static string Numbered(string root) =>
            $"SELECT source, date, time, source_type, source_id, seq, \"offset\", value, row_number() OVER (PARTITION BY source, date ORDER BY filename, file_row_number) AS n " +
            $"FROM read_parquet('{root}/**/*.parquet', hive_partitioning = true, filename = true, file_row_number = true)";
        using var duck = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:");
        duck.Open();
        using var command = duck.CreateCommand();
        string live = Numbered(Path.Combine(_directory, "parquet"));
        string again = Numbered(replayed);
        command.CommandText = $"SELECT (SELECT count(*) FROM ({live})), (SELECT count(*) FROM ({live} EXCEPT ALL {again})), (SELECT count(*) FROM ({again} EXCEPT ALL {live})), " +
            $"(SELECT count(DISTINCT date) FROM ({live})), (SELECT count(*) FROM ({live}) WHERE source = 'RACK-2')";
        using var rows = command.ExecuteReader();
        Assert.True(rows.Read());
        Assert.Equal(registers, Convert.ToInt64(rows.GetValue(0)));
        Assert.Equal(0L, Convert.ToInt64(rows.GetValue(1)));
        Assert.Equal(0L, Convert.ToInt64(rows.GetValue(2)));
        Assert.True(Convert.ToInt64(rows.GetValue(3)) >= 2);
        Assert.True(Convert.ToInt64(rows.GetValue(4)) > 0, "RACK-2, fed by two connections, has rows");
    }

    [Fact]
    public async Task A_malformed_frame_closes_only_its_connection_and_keeps_what_was_accepted()
    {
        await using CollectorServer server = Start();
        using var good = new TcpClient();
        await good.ConnectAsync(server.EndPoints[0]);
        using var bad = new TcpClient();
        await bad.ConnectAsync(server.EndPoints[0]);
        NetworkStream goodStream = good.GetStream();
        NetworkStream badStream = bad.GetStream();

        await badStream.WriteAsync(Encode(Diff(1, 0, 10, 10), packetFraming: true));
        byte[] garbage = Encode(Diff(1, 1, 10, 11), packetFraming: true);
        garbage[5] = 42; // unknown source type
        await badStream.WriteAsync(garbage);
        byte[] probe = new byte[1];
        Assert.Equal(0, await badStream.ReadAsync(probe)); // the server closed it

        await goodStream.WriteAsync(Encode(Diff(2, 0, 10, 20), packetFraming: true));
        RackPacket reply = await QueryAsync(goodStream, 1, 10);
        Assert.Equal(10, reply.Data[0]); // the bad client's accepted frame stays applied
        Assert.Equal(20, (await QueryAsync(goodStream, 2, 10)).Data[0]);
        Assert.Equal(1, server.Metrics.Rejected);
    }

    [Fact]
    public async Task A_client_that_stalls_inside_a_frame_is_closed_while_idle_clients_stay()
    {
        await using CollectorServer server = Start();
        using var idle = new TcpClient();
        await idle.ConnectAsync(server.EndPoints[0]);
        using var slow = new TcpClient();
        await slow.ConnectAsync(server.EndPoints[0]);
        byte[] frame = Encode(Diff(1, 0, 10, 10), packetFraming: true);
        await slow.GetStream().WriteAsync(frame.AsMemory(0, 10));
        byte[] probe = new byte[1];
        Assert.Equal(0, await slow.GetStream().ReadAsync(probe)); // closed after the 1 s frame timeout
        Assert.Equal(1, server.Metrics.Rejected);
        await WaitUntil(() => server.Metrics.Connections == 1);

        RackPacket reply = await QueryAsync(idle.GetStream(), 1, 10); // the idle client still works
        Assert.Equal(PacketFraming.UnknownSourceFlag, reply.Flags);
    }

    [Fact]
    public async Task The_counters_are_System_Diagnostics_Metrics_instruments_of_the_servers_own_meter()
    {
        await using CollectorServer server = CollectorServer.Start(new CollectorOptions
        {
            DataDirectory = _directory,
            Listeners = [new ListenerOptions(0, FramingKind.Packet)],
        });
        await using CollectorServer other = CollectorServer.Start(new CollectorOptions
        {
            DataDirectory = Path.Combine(_directory, "other"),
            Listeners = [new ListenerOptions(0, FramingKind.Packet)],
        });
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(server.EndPoints[0]);
            await client.GetStream().WriteAsync(Encode(Diff(1, 0, 10, 10), packetFraming: true));
            await QueryAsync(client.GetStream(), 1, 10);
        }

        // The server counts a query, and its frame, once its reply's write returned, which may be after the client read it.
        await WaitUntil(() => Interlocked.Read(ref server.Metrics.Queries) == 1 && server.Metrics.Frames == 2);
        Assert.Equal("ParquetFlow.Collector", server.Meter.Name);
        Dictionary<string, long> values = Instruments.Read(server);
        Assert.Equal(2, values["pqflow_collector_frames_total"]);
        Assert.Equal(2, values["pqflow_collector_registers_total"]);
        Assert.Equal(1, values["pqflow_collector_queries_total"]);
        Assert.Equal(0, values["pqflow_collector_rows_dropped_total"]);
        Assert.Equal(0, values["pqflow_collector_bad_frames_total"]);
        Assert.Equal(1, values["pqflow_collector_sources"]);
        Assert.True(values["pqflow_collector_disk_free_bytes"] > 0);
        Assert.Equal(0, Instruments.Read(other, "pqflow_collector_frames_total")); // a meter per server, however many run
    }

    [Fact]
    public async Task The_server_completes_an_idle_partitions_file_and_reopens_it_for_a_later_frame()
    {
        await using CollectorServer server = CollectorServer.Start(new CollectorOptions
        {
            DataDirectory = _directory,
            MaxTimestampAge = TimeSpan.MaxValue, // synthetic timestamps of 1970 and 2024 keep their own dates; the window has tests of its own
            Listeners = [new ListenerOptions(0, FramingKind.Packet)],
            FlushInterval = TimeSpan.FromMilliseconds(50),
            PartitionIdleTimeout = TimeSpan.FromMilliseconds(100),
        });
        string partition = Path.Combine(_directory, "parquet", "source=RACK-4", "date=1970-01-01");
        string[] Files(string pattern) => Directory.Exists(partition) ? Directory.GetFiles(partition, pattern) : [];
        long OpenPartitions() => Instruments.Read(server, "pqflow_collector_parquet_partitions_open");

        using var client = new TcpClient();
        await client.ConnectAsync(server.EndPoints[0]);
        await client.GetStream().WriteAsync(Encode(Diff(4, 0, 10, 10), packetFraming: true));
        await WaitUntil(() => server.Metrics.Frames == 1);

        // The flusher completes the file once the partition has been idle, and the gauge shows it closed.
        await WaitUntil(() => Files("*.parquet").Length == 1 && Files("*.inprogress*").Length == 0);
        Assert.Equal(0, OpenPartitions());

        await client.GetStream().WriteAsync(Encode(Diff(4, 1, 20, 20), packetFraming: true));
        await WaitUntil(() => Files("*.parquet").Length == 2 && Files("*.inprogress*").Length == 0);
        Assert.Equal(["part-000000", "part-000001"], Files("*.parquet").Select(f => Path.GetFileName(f)[..11]).Order(StringComparer.Ordinal));
        Assert.Equal(4, Files("*.parquet").Sum(f => Parquet.ParquetFooter.Read(f).Metadata.NumRows));
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        Assert.True(condition());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
