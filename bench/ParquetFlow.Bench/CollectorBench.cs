using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ParquetFlow.Cli;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Parquet;

namespace ParquetFlow.Bench;

/// <summary>
/// <c>pqflow bench collector</c>: the collector's two figures, each against a real <c>pqflow serve</c> child process
/// on loopback. Throughput: N senders (in this process) send 100-register packets as fast as the server takes them;
/// the clock runs from the first connect until the server, stopped with SIGTERM, has exited — every value then is a row
/// in a finished Parquet file, a frame in the fsynced raw log and a register in the saved image, and the command checks
/// that the Parquet row count and the server's register count equal what was sent. Idle: N connections opened and left
/// silent; the server's resident memory is read from /proc once its metrics show them all open.
/// </summary>
public static class CollectorBench
{
    public static Command Create()
    {
        var what = new Option<string>("--what") { Description = "throughput, idle or all", DefaultValueFactory = _ => "all" };
        var clients = new Option<int>("--clients") { Description = "Throughput: concurrent senders, one source each", DefaultValueFactory = _ => 64 };
        var packets = new Option<int>("--packets") { Description = "Throughput: packets per sender", DefaultValueFactory = _ => 10_000 };
        var registers = new Option<int>("--registers") { Description = "Throughput: registers per packet", DefaultValueFactory = _ => 100 };
        Option<FramingKind> framing = CommonOptions.Framing("Throughput: Simple or Packet");
        var runs = new Option<int>("--runs") { Description = "Throughput: runs (the median is reported)", DefaultValueFactory = _ => 3 };
        var idle = new Option<int>("--connections") { Description = "Idle: connections to hold open", DefaultValueFactory = _ => 10_000 };
        var data = new Option<string?>("--data") { Description = "Scratch directory for the server's data (default: a new one under /tmp, removed after)" };
        var collector = new Command("collector", "Measure the collector: register values/s from many senders to finished Parquet, and memory per idle connection.");
        foreach (Option option in new Option[] { what, clients, packets, registers, framing, runs, idle, data })
        {
            collector.Options.Add(option);
        }

        collector.SetAction(async (parse, token) =>
        {
            string w = parse.GetValue(what)!;
            string root = parse.GetValue(data) ?? Path.Combine(Path.GetTempPath(), "pqflow-bench-collector-" + Environment.ProcessId);
            bool cleanup = parse.GetValue(data) is null;
            try
            {
                int status = 0;
                if (w is "throughput" or "all")
                {
                    var settings = new SenderSettings { Registers = parse.GetValue(registers), Packets = parse.GetValue(packets), Framing = parse.GetValue(framing) };
                    status |= await ThroughputAsync(root, parse.GetValue(clients), settings, Math.Max(1, parse.GetValue(runs)), token);
                }

                if (w is "idle" or "all")
                {
                    status |= await IdleAsync(Path.Combine(root, "idle"), parse.GetValue(idle), token);
                }

                return status;
            }
            finally
            {
                if (cleanup && Directory.Exists(root))
                {
                    Directory.Delete(root, recursive: true);
                }
            }
        });
        return collector;
    }

    private static async Task<int> ThroughputAsync(string root, int clients, SenderSettings settings, int runs, CancellationToken token)
    {
        Console.WriteLine($"collector throughput: {clients} senders x {settings.Packets:N0} packets of {settings.Registers} registers ({settings.Framing.ToString().ToLowerInvariant()} framing), to finished Parquet + raw log + image, {Environment.ProcessorCount} cores");
        Console.WriteLine("| run | values/s | packets/s | accepted in | finished in | server CPU until accepted | sender CPU | server peak RSS until accepted | server peak RSS to exit | Parquet files | Parquet MB | raw log MB |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        var rates = new List<double>();
        for (int run = 1; run <= runs; run++)
        {
            string directory = Path.Combine(root, $"throughput-{run}");
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }

            // The server's listener speaks the senders' framing; its source and partition limits admit every sender at
            // once (the simple framing's rack ids go past the packet framing's 255, for runs with 1,000 sources).
            await using ServerProcess server = await ServerProcess.StartAsync(
                directory, token, "--framing", settings.Framing.ToString(), "--max-sources", Math.Max(1024, clients).ToString(CultureInfo.InvariantCulture),
                "--max-connections", Math.Max(1024, clients + 16).ToString(CultureInfo.InvariantCulture),
                "--max-partitions", Math.Max(128, clients).ToString(CultureInfo.InvariantCulture));
            long[] sent = new long[clients];
            TimeSpan senderCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            SenderSettings mine = settings with { Port = server.Port };
            await Task.WhenAll(Enumerable.Range(0, clients).Select(c => PacketSender.RunAsync(c, mine, sent, token)));
            TimeSpan accepted = clock.Elapsed;
            TimeSpan senderCpu = Process.GetCurrentProcess().TotalProcessorTime - senderCpuBefore;
            (TimeSpan serverCpu, long peakKb) = server.Usage();
            string stopped = await server.StopAsync(token);
            TimeSpan finished = clock.Elapsed;

            long values = sent.Sum() * settings.Registers;
            (int files, long rows, long parquetBytes) = CountParquet(Path.Combine(directory, "parquet"));
            long rawBytes = Directory.EnumerateFiles(Path.Combine(directory, "raw")).Sum(f => new FileInfo(f).Length);
            string registersLine = $"registers {values.ToString(CultureInfo.InvariantCulture)},";
            if (rows != values || !stopped.Contains(registersLine, StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"pqflow bench collector: run {run} lost data: sent {values:N0} values, Parquet holds {rows:N0} rows; server said \"{stopped}\"");
                return 1;
            }

            double rate = values / finished.TotalSeconds;
            rates.Add(rate);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {run} | {rate / 1e6:F2} M | {sent.Sum() / finished.TotalSeconds / 1e3:F1} k | {accepted.TotalSeconds:F2} s | {finished.TotalSeconds:F2} s | {serverCpu.TotalSeconds:F2} s | {senderCpu.TotalSeconds:F2} s | {peakKb / 1024} MB | {server.PeakKbToExit / 1024} MB | {files} | {parquetBytes / 1e6:F1} | {rawBytes / 1e6:F1} |"));
        }

        rates.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median: {rates[rates.Count / 2] / 1e6:F2} M register values/s to finished Parquet (every value also in the raw log and the image; row counts checked)"));
        return 0;
    }

    private static async Task<int> IdleAsync(string directory, int count, CancellationToken token)
    {
        // The server's connection limit (1,024 by default) would refuse most of them: the bench raises it to the count.
        await using ServerProcess server = await ServerProcess.StartAsync(directory, token, "--max-connections", (count + 16).ToString(CultureInfo.InvariantCulture));
        long baseline = server.ResidentKb();
        var sockets = new List<Socket>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(IPAddress.Loopback, server.Port, token);
            }
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"pqflow bench: opened {sockets.Count - 1:N0} of {count:N0} connections: {e.Message} (is `ulimit -n` at least {count + 100}?)");
            return 1;
        }

        // Every connection accepted and its reader waiting before memory is read.
        var wait = Stopwatch.StartNew();
        long open;
        while ((open = await server.OpenConnectionsAsync(token)) < count && wait.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(200, token);
        }

        await Task.Delay(1000, token);
        long resident = server.ResidentKb();
        foreach (Socket socket in sockets)
        {
            socket.Dispose();
        }

        await server.StopAsync(token);
        Console.WriteLine("collector idle connections:");
        Console.WriteLine("| connections open | server RSS before | server RSS with them | per connection |");
        Console.WriteLine("| --- | --- | --- | --- |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {open:N0} | {baseline / 1024} MB | {resident / 1024} MB | {(resident - baseline) / (double)Math.Max(1, open):F1} KB |"));
        if (open < count)
        {
            Console.Error.WriteLine($"pqflow bench: the server reports {open:N0} of {count:N0} connections open");
            return 1;
        }

        return 0;
    }

    private static (int Files, long Rows, long Bytes) CountParquet(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return (0, 0, 0);
        }

        int files = 0;
        long rows = 0;
        long bytes = 0;
        foreach (string file in Directory.EnumerateFiles(directory, "*.parquet", SearchOption.AllDirectories))
        {
            files++;
            rows += ParquetFooter.Read(file).Metadata.NumRows;
            bytes += new FileInfo(file).Length;
        }

        return (files, rows, bytes);
    }
}
