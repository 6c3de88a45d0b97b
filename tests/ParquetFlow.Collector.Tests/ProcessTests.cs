using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Collector.Tests;

/// <summary>The collector as users run it: a <c>pqflow serve</c> process, several <c>pqflow send</c> processes, SIGTERM, then DuckDB.</summary>
public sealed partial class ProcessTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-processes-").FullName;

    private static string PqflowDll => BuiltPaths.Built("src/pqflow", "pqflow.dll");

    private static Process Pqflow(params string[] arguments)
    {
        ProcessStartInfo start = BuiltPaths.Command(PqflowDll, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        return Process.Start(start)!;
    }

    [GeneratedRegex(@"^listening on 127\.0\.0\.1:(\d+) ")]
    private static partial Regex Listening();

    [Fact]
    public async Task Every_register_value_sent_by_three_sender_processes_is_a_row_duckdb_reads_after_sigterm()
    {
        const int Senders = 3;
        const int ClientsEach = 2;
        const int Packets = 400;
        const int Registers = 25;
        string data = Path.Combine(_directory, "data");
        using Process server = Pqflow("serve", "--port", "0", "--framing", "packet", "--data", data, "--status-seconds", "60");
        Task<string> serverErrors = server.StandardError.ReadToEndAsync(); // drained, so logging can never block the server
        TimeSpan patience = TimeSpan.FromSeconds(60);
        var senders = new List<Process>();
        Task<string> serverOutput;
        try
        {
            string? line;
            int port = 0;
            var seen = new List<string>();
            while ((line = await server.StandardOutput.ReadLineAsync().WaitAsync(patience)) is not null)
            {
                seen.Add(line);
                Match match = Listening().Match(line);
                if (match.Success)
                {
                    port = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                    break;
                }
            }

            Assert.True(port > 0, "pqflow serve did not report its port: " + string.Join(" / ", seen));
            serverOutput = server.StandardOutput.ReadToEndAsync();
            senders.AddRange(Enumerable.Range(0, Senders).Select(s => Pqflow(
                "send", "--port", port.ToString(CultureInfo.InvariantCulture), "--clients", ClientsEach.ToString(CultureInfo.InvariantCulture),
                "--packets", Packets.ToString(CultureInfo.InvariantCulture), "--registers", Registers.ToString(CultureInfo.InvariantCulture),
                "--full-every", "50", "--first-source", (1 + (s * ClientsEach)).ToString(CultureInfo.InvariantCulture))));
            foreach (Process sender in senders)
            {
                Task<string> errors = sender.StandardError.ReadToEndAsync();
                string said = await sender.StandardOutput.ReadToEndAsync().WaitAsync(patience);
                await sender.WaitForExitAsync().WaitAsync(patience);
                Assert.True(sender.ExitCode == 0, await errors);
                Assert.Contains($"sent {ClientsEach * Packets:N0} packets", said, StringComparison.Ordinal);
            }

            using Process kill = Process.Start("kill", ["-TERM", server.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            await server.WaitForExitAsync().WaitAsync(patience);
        }
        finally
        {
            // Whatever failed above, no process outlives the test (or its data directory).
            foreach (Process process in senders.Append(server))
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }

            foreach (Process sender in senders)
            {
                sender.Dispose();
            }
        }

        Assert.True(server.ExitCode == 0, await serverErrors);
        Assert.Contains($"frames {Senders * ClientsEach * Packets}, registers {Senders * ClientsEach * Packets * Registers},", await serverOutput, StringComparison.Ordinal);

        // pqflow send makes packet i carry values (i + k) for its k-th register: each source's rows must hold exactly those.
        long expectedSum = 0;
        for (int i = 0; i < Packets; i++)
        {
            for (int k = 0; k < Registers; k++)
            {
                expectedSum += (ushort)(i + k);
            }
        }

        using var duck = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:");
        duck.Open();
        using var command = duck.CreateCommand();
        command.CommandText = "SELECT source, source_type, source_id, count(*), sum(value)::BIGINT, count(DISTINCT seq), count(DISTINCT time) " +
            $"FROM read_parquet('{data}/parquet/**/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY source_id";
        using var reader = command.ExecuteReader();
        for (int source = 1; source <= Senders * ClientsEach; source++)
        {
            Assert.True(reader.Read(), $"no rows for source {source}");
            Assert.Equal($"RACK-{source}", reader.GetValue(0));
            Assert.Equal((long)Framing.SourceType.Rack, Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
            Assert.Equal(source, Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture));
            Assert.Equal((long)Packets * Registers, Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture));
            Assert.Equal(expectedSum, Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture));
            Assert.Equal(256L, Convert.ToInt64(reader.GetValue(5), CultureInfo.InvariantCulture));
        }

        Assert.False(reader.Read(), "rows for a source nobody sent");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
