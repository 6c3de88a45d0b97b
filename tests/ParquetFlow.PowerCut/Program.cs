// The power-cut campaign: cuts power N times per durable component while it works, restarts it on the disk the cut
// left, and checks that everything it reported durable is there. Usage: ParquetFlow.PowerCut [N] [--seed S] [--only NAME]
using System.Globalization;
using ParquetFlow.PowerCut;

int cuts = 30;
int seed = Environment.TickCount;
string? only = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--seed" when i + 1 < args.Length:
            seed = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--only" when i + 1 < args.Length:
            only = args[++i];
            break;
        default:
            if (!int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out cuts) || cuts < 1)
            {
                Console.Error.WriteLine($"powercut: '{args[i]}' is not a number of cuts (usage: powercut [N] [--seed S] [--only sink|store|collector|ring])");
                return 2;
            }

            break;
    }
}

Console.WriteLine($"power-cut campaign: {cuts} cuts per component, seed {seed}");
var tallies = new List<Tally>();
var clock = System.Diagnostics.Stopwatch.StartNew();
void Report(Tally t)
{
    tallies.Add(t);
    string notes = string.Concat(t.Notes.Select(n => $"; {n.Key}: {n.Value:N0}"));
    Console.WriteLine($"{t.Component,-20} cuts {t.Cuts,6:N0}  promised {t.Promised,10:N0}  lost {t.Lost,4:N0}  anomalies {t.Anomalies,4:N0}  (kept unpromised {t.Extra:N0}{notes}) [{clock.Elapsed.TotalSeconds:0} s]");
    foreach (string example in t.Examples)
    {
        Console.WriteLine($"    {example}");
    }
}

if (only is null or "sink")
{
    Report(SinkCampaign.Run(cuts, seed));
}

if (only is null or "store")
{
    Report(StoreCampaign.Run(cuts, seed));
}

if (only is null or "collector")
{
    (Tally raw, Tally image, Tally parquet) = CollectorCampaign.Run(cuts, seed);
    Report(raw);
    Report(image);
    Report(parquet);
}

if (only is null or "ring")
{
    Report(RingCampaign.Run(cuts, seed));
}

long lost = tallies.Sum(t => t.Lost);
long anomalies = tallies.Sum(t => t.Anomalies);
Console.WriteLine(lost == 0 && anomalies == 0
    ? $"power-cut campaign passed: nothing promised durable was lost (seed {seed})"
    : $"power-cut campaign FAILED: {lost:N0} promised records lost, {anomalies:N0} anomalies (rerun with --seed {seed})");
return lost == 0 && anomalies == 0 ? 0 : 1;
