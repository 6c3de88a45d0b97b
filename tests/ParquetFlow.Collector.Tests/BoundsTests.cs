using ParquetFlow.Tests.Shared;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Images;
using ParquetFlow.Collector.Output;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Collector.Server;
using static ParquetFlow.Collector.Tests.CollectorServerTests;

namespace ParquetFlow.Collector.Tests;

/// <summary>The collector's bounds against clients it does not control: sources, timestamps, connections, slow and silent clients, shutdown.</summary>
public sealed class BoundsTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-bounds-").FullName;

    private CollectorOptions Options(TimeProvider? clock = null) => new()
    {
        DataDirectory = _directory,
        Listeners = [new ListenerOptions(0, FramingKind.Packet)],
        FlushInterval = TimeSpan.FromMinutes(1),
        TimeProvider = clock ?? TimeProvider.System,
    };

    private static RackPacket At(int source, int seq, DateTimeOffset time)
    {
        RackPacket p = Diff(source, seq, 10, (ushort)(100 + seq));
        p.TimestampUs = (time.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
        return p;
    }

    private static async Task<TcpClient> ConnectAsync(CollectorServer server, int? receiveBuffer = null)
    {
        var client = new TcpClient();

        // A small receive buffer is set before the connection is made, so the window it advertises is small from the
        // start: set afterwards, the kernel keeps taking (and pruning) data into the window already offered, and a
        // server's "stuck" reply write still trickles forward.
        if (receiveBuffer is int bytes)
        {
            client.ReceiveBufferSize = bytes;
        }

        await client.ConnectAsync(server.EndPoints[0]);
        return client;
    }

    /// <summary>Reads until the server closes the connection (true) or <paramref name="within"/> passes (false).</summary>
    private static async Task<bool> ClosedByServerAsync(TcpClient client, TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        byte[] sink = new byte[64 * 1024];
        try
        {
            while (await client.GetStream().ReadAsync(sink, cts.Token) > 0)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true; // reset
        }
    }

    private long ReplayedFrames()
    {
        var reader = new RawLogReader();
        return Replay.Run(Path.Combine(_directory, "raw"), reader, images: null, parquet: null).Frames;
    }

    [Fact]
    public async Task Frames_of_new_sources_past_the_limit_are_dropped_and_counted_while_known_sources_go_on()
    {
        await using (CollectorServer server = CollectorServer.Start(Options() with { MaxSources = 3, MaxTimestampAge = TimeSpan.MaxValue }))
        {
            using TcpClient client = await ConnectAsync(server);
            for (int source = 1; source <= 5; source++)
            {
                await client.GetStream().WriteAsync(Encode(Diff(source, 0, 10, 10), packetFraming: true));
            }

            await client.GetStream().WriteAsync(Encode(Diff(1, 1, 10, 11), packetFraming: true));
            RackPacket reply = await QueryAsync(client.GetStream(), 1, 10); // the connection stays open and in order
            Assert.Equal(11, reply.Data[0]);
            Assert.Equal([1, 2, 3], server.Images.Sources.Select(s => s.Id));
            Assert.Equal(2, server.Metrics.SourcesRefused);
            Assert.Equal(2, Instruments.Read(server, "pqflow_collector_frames_refused_total"));
        }

        // Nothing of a refused frame reached the raw log: 4 diffs of sources 1-3 and the query.
        Assert.Equal(5, ReplayedFrames());

        // After a restart the sources of image.bin are known again: they go on, a new one is still refused.
        await using (CollectorServer server = CollectorServer.Start(Options() with { MaxSources = 3, MaxTimestampAge = TimeSpan.MaxValue }))
        {
            using TcpClient client = await ConnectAsync(server);
            await client.GetStream().WriteAsync(Encode(Diff(6, 0, 10, 10), packetFraming: true));
            await client.GetStream().WriteAsync(Encode(Diff(3, 1, 10, 12), packetFraming: true));
            Assert.Equal(12, (await QueryAsync(client.GetStream(), 3, 10)).Data[0]);
            Assert.Equal(1, server.Metrics.SourcesRefused);
            Assert.Equal([1, 2, 3], server.Images.Sources.Select(s => s.Id));
        }
    }

    [Fact]
    public async Task Only_sources_in_the_allowed_ranges_are_kept()
    {
        Assert.True(SourceRange.TryParse("rack:10-19", out SourceRange racks, out _));
        Assert.True(SourceRange.TryParse("sbmu:7", out SourceRange sbmu, out _));
        Assert.False(SourceRange.TryParse("rack:9-3", out _, out string? error));
        Assert.Contains("FIRST <= LAST", error);
        Assert.False(SourceRange.TryParse("pump:1", out _, out error));
        Assert.Contains("unknown source type", error);

        await using CollectorServer server = CollectorServer.Start(Options() with { AllowedSources = [racks, sbmu], MaxTimestampAge = TimeSpan.MaxValue });
        using TcpClient client = await ConnectAsync(server);
        foreach (int source in new[] { 5, 10, 19, 20, 7 })
        {
            await client.GetStream().WriteAsync(Encode(Diff(source, 0, 10, 10), packetFraming: true));
        }

        RackPacket sbmuFrame = Diff(7, 0, 10, 10);
        sbmuFrame.SourceType = SourceType.Sbmu;
        await client.GetStream().WriteAsync(Encode(sbmuFrame, packetFraming: true));
        await QueryAsync(client.GetStream(), 10, 10);
        Assert.Equal(
            [new SourceKey(SourceType.Sbmu, 7), new SourceKey(SourceType.Rack, 10), new SourceKey(SourceType.Rack, 19)],
            server.Images.Sources);
        Assert.Equal(3, server.Metrics.SourcesRefused); // racks 5, 20 and 7
    }

    [Fact]
    public async Task Frames_outside_the_timestamp_window_are_filed_under_the_receive_date_and_a_replay_files_them_the_same()
    {
        var clock = new FakeTimeProvider(s_now);
        await using (CollectorServer server = CollectorServer.Start(Options(clock)))
        {
            using TcpClient client = await ConnectAsync(server);
            await client.GetStream().WriteAsync(Encode(At(1, 0, DateTimeOffset.UnixEpoch), packetFraming: true)); // a reset clock
            await client.GetStream().WriteAsync(Encode(At(1, 1, new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero)), packetFraming: true));
            await client.GetStream().WriteAsync(Encode(At(1, 2, s_now.AddDays(-2)), packetFraming: true)); // late, inside the window
            await client.GetStream().WriteAsync(Encode(At(1, 3, s_now.AddMinutes(30)), packetFraming: true)); // ahead, inside
            await QueryAsync(client.GetStream(), 1, 10);
            Assert.Equal(2, server.Metrics.TimestampsOutOfWindow);
            Assert.Equal(0, server.Metrics.TimestampsRefused);
            Assert.Equal(8, server.ParquetRows);
        }

        string live = Path.Combine(_directory, "parquet", "source=RACK-1");
        Assert.Equal(["date=2026-12-01", "date=2026-12-03"], Directory.GetDirectories(live).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // The rows keep the sender's time; the partition is the receive date. A replay of the raw log does the same.
        string replayed = Path.Combine(_directory, "replayed");
        using (var output = new ParquetOutput(replayed))
        {
            Replay.Run(Path.Combine(_directory, "raw"), new RawLogReader(), null, output);
        }

        Assert.Equal(["date=2026-12-01", "date=2026-12-03"], Directory.GetDirectories(Path.Combine(replayed, "source=RACK-1")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var duck = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:");
        duck.Open();
        using DuckDB.NET.Data.DuckDBCommand query = duck.CreateCommand();
        query.CommandText = $"SELECT count(*), min(time)::VARCHAR, max(time)::VARCHAR FROM read_parquet('{live}/date=2026-12-03/*.parquet')";
        using var reader = query.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(6L, Convert.ToInt64(reader.GetValue(0)));
        Assert.StartsWith("1970-01-01", reader.GetString(1));
        Assert.StartsWith("2100-01-01", reader.GetString(2));
    }

    [Fact]
    public async Task With_the_refuse_policy_out_of_window_frames_are_dropped_and_counted()
    {
        var clock = new FakeTimeProvider(s_now);
        await using CollectorServer server = CollectorServer.Start(Options(clock) with { OutOfWindow = OutOfWindowPolicy.Refuse, MaxTimestampLead = TimeSpan.FromMinutes(5) });
        using TcpClient client = await ConnectAsync(server);
        await client.GetStream().WriteAsync(Encode(At(1, 0, s_now.AddMinutes(30)), packetFraming: true)); // 30 min ahead: out
        await client.GetStream().WriteAsync(Encode(At(1, 1, s_now.AddSeconds(-1)), packetFraming: true));
        RackPacket reply = await QueryAsync(client.GetStream(), 1, 10);
        Assert.Equal(101, reply.Data[0]);
        Assert.Equal(1, server.Metrics.TimestampsRefused);
        Assert.Equal(2, server.Metrics.Frames); // the frame in the window and the query
    }

    [Fact]
    public async Task A_client_trickling_one_frame_is_closed_at_the_frames_deadline_however_often_it_sends()
    {
        await using CollectorServer server = CollectorServer.Start(Options() with { FrameTimeout = TimeSpan.FromSeconds(1) });
        using TcpClient slow = await ConnectAsync(server);
        byte[] frame = Encode(Diff(1, 0, 10, 10), packetFraming: true);
        Task<bool> closed = ClosedByServerAsync(slow, TimeSpan.FromSeconds(60));
        var sending = Stopwatch.StartNew();
        int sent = 0;
        try
        {
            // A byte every 200 ms restarted the old per-read timeout for ever; the frame would take 40 × 200 ms to finish.
            for (; sent < frame.Length - 1 && !closed.IsCompleted; sent++)
            {
                await slow.GetStream().WriteAsync(frame.AsMemory(sent, 1));
                await Task.Delay(200);
            }
        }
        catch (IOException)
        {
            // The server closed it while we were still sending.
        }

        Assert.True(await closed, "the slow client was never closed");
        Assert.True(sent < frame.Length - 1, $"the server waited for all {sent} bytes of the trickled frame");
        Assert.Equal(1, server.Metrics.Rejected);
        Assert.Equal(0, server.Metrics.Frames);
    }

    [Fact]
    public async Task A_silent_connection_is_closed_after_the_idle_timeout_and_what_it_sent_is_kept()
    {
        await using CollectorServer server = CollectorServer.Start(Options() with { IdleTimeout = TimeSpan.FromMilliseconds(300), MaxTimestampAge = TimeSpan.MaxValue });
        using TcpClient client = await ConnectAsync(server);
        await client.GetStream().WriteAsync(Encode(Diff(1, 0, 10, 10), packetFraming: true));
        Assert.True(await ClosedByServerAsync(client, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, server.Metrics.TimeoutsClosed);
        Assert.Equal(0, server.Metrics.Rejected);
        Assert.Equal(1, server.Metrics.Frames);
        await WaitUntil(() => server.Metrics.Connections == 0);
    }

    [Fact]
    public async Task A_client_that_never_reads_its_query_replies_is_closed_after_the_reply_timeout()
    {
        await using CollectorServer server = CollectorServer.Start(Options() with { ReplyTimeout = TimeSpan.FromMilliseconds(500), MaxTimestampAge = TimeSpan.MaxValue });
        using TcpClient greedy = await ConnectAsync(server, receiveBuffer: 4096);
        byte[] query = BigQuery();

        // Each reply is 256 KiB; socket buffers hold a few, then the server's write waits for a reader that never comes.
        Task<bool> closed = SendUntilClosedAsync(greedy, query);
        Assert.True(await closed.WaitAsync(TimeSpan.FromSeconds(60)), "the connection was never closed");
        await WaitUntil(() => server.Metrics.TimeoutsClosed == 1);

        using TcpClient polite = await ConnectAsync(server); // the server still answers others
        await polite.GetStream().WriteAsync(Encode(Diff(2, 0, 10, 10), packetFraming: true));
        Assert.Equal(10, (await QueryAsync(polite.GetStream(), 2, 10)).Data[0]);
    }

    [Fact]
    public async Task Shutdown_ends_within_its_grace_period_whatever_clients_do_and_still_saves_what_was_accepted()
    {
        var logger = new ListLogger();
        CollectorServer server = CollectorServer.Start(Options() with
        {
            ReplyTimeout = TimeSpan.FromMinutes(10),
            FrameTimeout = TimeSpan.FromMinutes(10),
            ShutdownGrace = TimeSpan.FromMilliseconds(500),
            MaxTimestampAge = TimeSpan.MaxValue,
        });
        using TcpClient writer = await ConnectAsync(server);
        await writer.GetStream().WriteAsync(Encode(Diff(1, 0, 10, 42), packetFraming: true));
        await QueryAsync(writer.GetStream(), 1, 10);
        using TcpClient greedy = await ConnectAsync(server, receiveBuffer: 4096);
        var sent = new StrongBox<long>();
        _ = SendUntilClosedAsync(greedy, BigQuery(), sent);

        // Until the greedy client's own writes stop completing: every buffer between it and the server is full, so the
        // server no longer reads it, since its reply write waits for a reader that never comes. (Waiting for the server's
        // frame count to stand still was not enough: on a loaded machine it stood still while the server still read, and
        // one still second of the client's writes was not either, so three in a row.)
        // And until the server itself is inside a reply write that does not complete: judged from the client alone (a
        // pool thread delayed on a busy machine looks like a stalled write), the server was at times back in its read,
        // which shutdown ends at once, so nothing was left for the grace period to abort.
        for (long seen = -1, still = 0, waited = 0;
            (Interlocked.Read(ref sent.Value) < 3 || still < 3 || Interlocked.Read(ref server.Metrics.RepliesWriting) == 0) && waited++ < 120;)
        {
            long now = Interlocked.Read(ref sent.Value);
            still = now == seen ? still + 1 : 0;
            seen = now;
            await Task.Delay(1000);
        }

        long writingBefore = Interlocked.Read(ref server.Metrics.RepliesWriting);
        Assert.True(writingBefore > 0, "the server never got stuck writing a reply to the greedy client");
        Task stop = server.DisposeAsync().AsTask();
        Assert.Same(stop, await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(60))));
        await stop;
        Assert.True(server.Metrics.AbortedAtShutdown >= 1, $"writing {Interlocked.Read(ref server.Metrics.RepliesWriting)} timedout {server.Metrics.TimedOut} bad {server.Metrics.BadFrames} queries {server.Metrics.Queries} sent {sent.Value} before {writingBefore}");
        Assert.Null(server.NotStored);

        var images = new RegisterImages();
        images.Load(Path.Combine(_directory, "image.bin"), Durability.Storage.Default);
        ushort[] value = new ushort[1];
        Assert.True(images.Query(new SourceKey(SourceType.Rack, 1), [10], value));
        Assert.Equal(42, value[0]);
    }

    [Fact]
    public async Task Connections_past_the_limit_are_closed_at_once_and_counted()
    {
        await using CollectorServer server = CollectorServer.Start(Options() with { MaxConnections = 2, MaxTimestampAge = TimeSpan.MaxValue });
        using TcpClient first = await ConnectAsync(server);
        using TcpClient second = await ConnectAsync(server);
        await WaitUntil(() => server.Metrics.Connections == 2);
        using TcpClient third = await ConnectAsync(server);
        Assert.True(await ClosedByServerAsync(third, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, server.Metrics.ConnectionsRefused);

        await first.GetStream().WriteAsync(Encode(Diff(1, 0, 10, 10), packetFraming: true));
        Assert.Equal(10, (await QueryAsync(first.GetStream(), 1, 10)).Data[0]);
        first.Close();
        await WaitUntil(() => server.Metrics.Connections == 1);
        using TcpClient fourth = await ConnectAsync(server); // room again
        Assert.Equal(10, (await QueryAsync(fourth.GetStream(), 1, 10)).Data[0]);
    }

    [Fact]
    public void A_packets_buffers_shrink_after_a_huge_frame()
    {
        var packet = new RackPacket();
        packet.SetCount(RackPacket.MaxRegisters);
        Assert.Equal(RackPacket.MaxRegisters, packet.Capacity);
        packet.SetCount(100);
        packet.Shrink(largestRecent: 100);
        Assert.Equal(100, packet.Capacity);
        Assert.Equal(100, packet.Count);
        packet.Shrink(largestRecent: 90); // not far larger: kept
        Assert.Equal(100, packet.Capacity);
    }

    private static byte[] BigQuery()
    {
        var query = new RackPacket { Command = PacketCommand.Query, SourceType = SourceType.Rack, SourceId = 1, Sequence = 1 };
        query.SetCount(RackPacket.MaxRegisters);
        for (int i = 0; i < RackPacket.MaxRegisters; i++)
        {
            query.Control[i] = (ushort)i;
        }

        return Encode(query, packetFraming: true);
    }

    /// <summary>Sends <paramref name="query"/> again and again without reading; true once the server closed the connection.</summary>
    private static async Task<bool> SendUntilClosedAsync(TcpClient client, byte[] query, StrongBox<long>? sent = null)
    {
        try
        {
            for (int i = 0; i < 10_000; i++)
            {
                await client.GetStream().WriteAsync(query);
                if (sent is not null)
                {
                    Interlocked.Increment(ref sent.Value);
                }
            }

            return false;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return true;
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
