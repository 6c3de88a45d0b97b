using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using ParquetFlow.Durability.Faults;
using ParquetFlow.Sink;
using ParquetFlow.Sink.TestProcess;

namespace ParquetFlow.PowerCut;

/// <summary>
/// The log sink: batches of market orders, a <see cref="LogSink.Flush"/> after each (its return is the promise), files
/// rotating every three row groups. After the cut a new sink starts on the disk (recovering what was in progress) and
/// every promised order must be in a finished file, once, in order, with its values.
/// </summary>
internal static partial class SinkCampaign
{
    private const int Batch = 40;
    private const int Batches = 12;

    public static Tally Run(int cuts, int seed)
    {
        var tally = new Tally("log sink");
        Campaign.Run("sink", tally, cuts, seed, Live, (cut, promised) => Check(cut, promised, tally));
        return tally;
    }

    private static long Live(FaultyStorage storage, string directory, Random random)
    {
        long promised = 0;
        var options = new LogSinkOptions
        {
            FilePattern = Path.Combine(directory, "p-{seq}.parquet"),
            RowGroupRows = Batch,
            MaxRowsPerFile = 3 * Batch,
            RowGroupTimeout = TimeSpan.FromHours(1),
            Storage = storage,
        };
        try
        {
            using var sink = new LogSink(MarketOrder.Layout, options);
            for (int b = 0; b < Batches; b++)
            {
                for (long i = b * Batch; i < (b + 1) * Batch; i++)
                {
                    MarketOrder order = MarketOrder.Make(i);
                    if (sink.TryLog(in order) != LogResult.Ok)
                    {
                        return promised;
                    }
                }

                sink.Flush();
                promised = (b + 1) * Batch;
            }
        }
        catch (Exception e) when (Campaign.IsPowerLoss(e, storage))
        {
        }

        return promised;
    }

    private static void Check(Cut cut, long promised, Tally tally)
    {
        tally.Promised += promised;
        using (var restarted = new LogSink(MarketOrder.Layout, new LogSinkOptions { FilePattern = Path.Combine(cut.Directory, "p-{seq}.parquet"), RowGroupRows = Batch }))
        {
            foreach (string problem in restarted.RecoveryProblems)
            {
                tally.AddAnomaly($"{cut}: restart reported {problem}");
            }
        }

        string[] leftovers = Directory.GetFiles(cut.Directory, "*.inprogress*");
        if (leftovers.Length > 0)
        {
            tally.AddAnomaly($"{cut}: files still in progress after a restart: {string.Join(", ", leftovers)}");
        }

        string[] files = [.. Directory.GetFiles(cut.Directory, "*.parquet").OrderBy(SequenceOf)];
        var seen = new HashSet<long>();
        long previous = -1;
        if (files.Length > 0)
        {
            using var connection = new DuckDBConnection("DataSource=:memory:");
            connection.Open();
            foreach (string file in files)
            {
                using DuckDBCommand command = connection.CreateCommand();
                command.CommandText = $"SELECT order_id, price, quantity, side FROM read_parquet('{file}') ORDER BY file_row_number";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    long id = reader.GetInt64(0);
                    MarketOrder expected = MarketOrder.Make(id);
                    if (reader.GetInt64(1) != expected.Price || reader.GetInt64(2) != expected.Quantity || reader.GetInt32(3) != expected.Side)
                    {
                        tally.AddAnomaly($"{cut}: order {id} in {Path.GetFileName(file)} has the wrong values");
                    }

                    if (!seen.Add(id))
                    {
                        tally.AddAnomaly($"{cut}: order {id} is there twice");
                    }
                    else if (id <= previous)
                    {
                        tally.AddAnomaly($"{cut}: order {id} comes after {previous}");
                    }

                    previous = Math.Max(previous, id);
                }
            }
        }

        long missing = 0;
        for (long id = 0; id < promised; id++)
        {
            missing += seen.Contains(id) ? 0 : 1;
        }

        tally.AddLost(missing, $"{cut}: {missing} of the {promised} orders promised by a returned Flush are missing");
        tally.Extra += seen.Count(id => id >= promised);
    }

    private static long SequenceOf(string file) => long.Parse(Digits().Match(Path.GetFileName(file)).Value, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Digits();
}
