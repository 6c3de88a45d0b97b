// `pqflow bench shm`: the end-to-end SharedRing harness. Publish cost with and without (paused) consumers, and
// cross-process latency (producer write -> consumer read) with N consumer processes, against a Unix domain socket
// carrying the same 64-byte rows in the same run. `bench shm-consumer` is the consumer side it spawns.
using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using ParquetFlow.Cli;
using ParquetFlow.Ipc;

namespace ParquetFlow.Bench;

public static class ShmBench
{
    private const int RowSize = 64;

    /// <summary>The harness as a command named <paramref name="name"/> (<c>shm</c> under <c>bench</c>; <c>bench</c> for the hidden <c>pqflow shm bench</c>).</summary>
    public static Command Create(string name)
    {
        var rows = new Option<long>("--publish-rows") { Description = "Rows per publish-cost run", DefaultValueFactory = _ => 50_000_000 };
        var latencyRows = new Option<int>("--latency-rows") { Description = "Rows per latency run", DefaultValueFactory = _ => 200_000 };
        var interval = new Option<int>("--interval-ns") { Description = "Pause between rows in latency runs", DefaultValueFactory = _ => 5_000 };
        var consumers = new Option<int[]>("--consumers") { Description = "Consumer process counts to measure", DefaultValueFactory = _ => [1, 4], AllowMultipleArgumentsPerToken = true };
        Option<WaitStrategy> wait = CommonOptions.Wait(WaitStrategy.Spin, "Consumers' wait strategy: Spin, Yield or Futex");
        var command = new Command(name, "Measure SharedRing publish cost and cross-process latency against a Unix domain socket.") { rows, latencyRows, interval, consumers, wait };
        command.SetAction(parse => Run(parse.GetValue(rows), parse.GetValue(latencyRows), parse.GetValue(interval), parse.GetValue(consumers)!, parse.GetValue(wait)));
        return command;
    }

    public static Command CreateConsumer()
    {
        var target = new Argument<string>("target") { Description = "Segment name, or unix:PATH for the socket baseline" };
        var count = new Argument<int>("count") { Description = "Rows to receive" };
        Option<WaitStrategy> wait = CommonOptions.Wait(WaitStrategy.Spin);
        var command = new Command("shm-consumer", "(used by bench shm) receive rows and print latency percentiles") { target, count, wait };
        command.Hidden = true;
        command.SetAction(parse => Consume(parse.GetValue(target)!, parse.GetValue(count), parse.GetValue(wait)));
        return command;
    }

    private static SharedRingBuilder Layout(string name)
    {
        var builder = new SharedRingBuilder(name).Rows(1 << 16).Column("sent", SharedColumnType.I64).Column("seq", SharedColumnType.U64);
        for (int i = 0; i < 5; i++)
        {
            builder.Column($"v{i}", SharedColumnType.F64);
        }

        return builder; // 8-byte stamp + 7 x 8 = 64-byte rows
    }

    private static int Run(long publishRows, int latencyRows, int intervalNs, int[] consumerCounts, WaitStrategy wait)
    {
        string name = $"bench-{Environment.ProcessId}";
        Console.WriteLine($"SharedRing bench: 64-byte rows, {Environment.ProcessorCount} cores, .NET {Environment.Version}, consumers wait by {wait}");
        try
        {
            using SharedRingProducer producer = Layout(name).CreateProducer();
            Console.WriteLine($"publish, no consumer:        {PublishCost(producer, publishRows),7:F2} ns/row");
            using (Process spinning = StartConsumer(name, int.MaxValue, wait))
            {
                if (spinning.StandardOutput.ReadLine() != "ready")
                {
                    throw new IOException("bench consumer did not start: " + spinning.StandardError.ReadToEnd());
                }

                Console.WriteLine($"publish, 1 {wait} consumer:  {PublishCost(producer, publishRows),7:F2} ns/row");
                Signal("STOP", spinning.Id);
                Console.WriteLine($"publish, consumer SIGSTOPped: {PublishCost(producer, publishRows),7:F2} ns/row");
                spinning.Kill();
                spinning.WaitForExit();
                Console.WriteLine($"publish, consumer killed:    {PublishCost(producer, publishRows),7:F2} ns/row");
            }

            foreach (int n in consumerCounts)
            {
                Console.WriteLine($"latency, SharedRing, {n} consumer(s): {Latency(n, latencyRows, intervalNs, wait, sock: null, producer)}");
                Console.WriteLine($"latency, Unix socket, {n} consumer(s): {Latency(n, latencyRows, intervalNs, wait, sock: $"/tmp/pqflow-bench-{Environment.ProcessId}.sock", null)}");
            }
        }
        finally
        {
            SharedRing.Remove(name);
        }

        return 0;
    }

    private static double PublishCost(SharedRingProducer producer, long rows)
    {
        long start = Stopwatch.GetTimestamp();
        for (long i = 0; i < rows; i++)
        {
            Span<byte> row = producer.BeginRow();
            BinaryPrimitives.WriteInt64LittleEndian(row[8..], start);
            BinaryPrimitives.WriteInt64LittleEndian(row[16..], i);
            row.Slice(24, 40).Clear();
            producer.PublishRow();
        }

        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / rows;
    }

    private static string Latency(int consumers, int rows, int intervalNs, WaitStrategy wait, string? sock, SharedRingProducer? producer)
    {
        var children = new List<Process>();
        var sockets = new List<Socket>();
        Socket? listener = null;
        try
        {
            if (sock is not null)
            {
                File.Delete(sock);
                listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                listener.Bind(new UnixDomainSocketEndPoint(sock));
                listener.Listen(consumers);
            }

            for (int i = 0; i < consumers; i++)
            {
                children.Add(StartConsumer(sock is null ? producer!.Name : "unix:" + sock, rows, wait));
            }

            foreach (Process child in children)
            {
                if (child.StandardOutput.ReadLine() != "ready")
                {
                    throw new IOException("bench consumer did not start: " + child.StandardError.ReadToEnd());
                }

                if (listener is not null)
                {
                    sockets.Add(listener.Accept());
                }
            }

            var row = new byte[RowSize];
            long ticksBetween = intervalNs * Stopwatch.Frequency / 1_000_000_000;
            long next = Stopwatch.GetTimestamp();
            for (int i = 0; i < rows; i++)
            {
                while (Stopwatch.GetTimestamp() < next)
                {
                    Thread.SpinWait(1);
                }

                next += ticksBetween;
                if (producer is not null)
                {
                    Span<byte> target = producer.BeginRow();
                    BinaryPrimitives.WriteUInt64LittleEndian(target[16..], (ulong)i);
                    BinaryPrimitives.WriteInt64LittleEndian(target[8..], Stopwatch.GetTimestamp());
                    producer.PublishRow();
                }
                else
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(row.AsSpan(16), (ulong)i);
                    BinaryPrimitives.WriteInt64LittleEndian(row.AsSpan(8), Stopwatch.GetTimestamp());
                    foreach (Socket s in sockets)
                    {
                        s.Send(row);
                    }
                }
            }

            var results = new List<string>();
            foreach (Process child in children)
            {
                results.Add(child.StandardOutput.ReadLine() ?? "no result: " + child.StandardError.ReadToEnd());
                child.WaitForExit();
            }

            return string.Join(" | ", results);
        }
        finally
        {
            foreach (Socket s in sockets)
            {
                s.Dispose();
            }

            listener?.Dispose();
            foreach (Process child in children)
            {
                if (!child.HasExited)
                {
                    child.Kill();
                }

                child.Dispose();
            }

            if (sock is not null)
            {
                File.Delete(sock);
            }
        }
    }

    private static int Consume(string target, int count, WaitStrategy wait)
    {
        var latencies = new long[Math.Min(count, 10_000_000)];
        int received = 0;
        long lost = 0;
        if (target.StartsWith("unix:", StringComparison.Ordinal))
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            Console.WriteLine("ready");
            socket.Connect(new UnixDomainSocketEndPoint(target[5..]));
            var row = new byte[RowSize];
            while (received < count)
            {
                for (int got = 0; got < RowSize;)
                {
                    int n = socket.Receive(row.AsSpan(got));
                    if (n == 0)
                    {
                        return Report(latencies, received, lost);
                    }

                    got += n;
                }

                latencies[received++ % latencies.Length] = Stopwatch.GetTimestamp() - BinaryPrimitives.ReadInt64LittleEndian(row.AsSpan(8));
            }
        }
        else
        {
            using SharedRingConsumer consumer = SharedRingConsumer.Attach(target);
            Console.WriteLine("ready");
            var row = new byte[RowSize];
            while (received < count)
            {
                switch (consumer.TryRead(row, out long skipped))
                {
                    case SharedRingReadStatus.Row:
                        latencies[received++ % latencies.Length] = Stopwatch.GetTimestamp() - BinaryPrimitives.ReadInt64LittleEndian(row.AsSpan(8));
                        break;
                    case SharedRingReadStatus.Lapped:
                        lost += skipped;
                        received += (int)Math.Min(skipped, count - received);
                        break;
                    default:
                        consumer.WaitForRow(wait, TimeSpan.FromSeconds(1));
                        break;
                }
            }
        }

        return Report(latencies, received, lost);
    }

    private static int Report(long[] latencies, int received, long lost)
    {
        int n = (int)Math.Min(received - lost, latencies.Length);
        var report = new LatencyReport();
        foreach (long ticks in latencies.AsSpan(0, Math.Max(n, 0)))
        {
            report.RecordTicks(ticks);
        }

        Console.WriteLine($"{report}, lost {lost}");
        return 0;
    }

    private static Process StartConsumer(string target, int count, WaitStrategy wait)
    {
        ProcessStartInfo info = SelfProcess.StartInfo("bench", "shm-consumer", target, count.ToString(CultureInfo.InvariantCulture), "--wait", wait.ToString());
        return Process.Start(info)!;
    }

    private static void Signal(string signal, int pid)
    {
        using Process kill = Process.Start("kill", $"-{signal} {pid}");
        kill.WaitForExit();
    }
}
