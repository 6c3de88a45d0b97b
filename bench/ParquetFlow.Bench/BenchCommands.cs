using System.CommandLine;

namespace ParquetFlow.Bench;

/// <summary>
/// <c>pqflow bench</c>: the end-to-end harnesses, one sub-command per component — <c>collector</c> (a real
/// <c>pqflow serve</c> child fed over loopback), <c>shm</c> (SharedRing publish cost and cross-process latency) and
/// <c>store</c> (the sensor store on disk). Each prints Markdown-ready figures and exits 1 when what it measured did not
/// keep everything it was given (the figures are then not the component's).
/// </summary>
public static class BenchCommands
{
    public static Command Create()
    {
        var command = new Command("bench", "End-to-end benchmarks of the collector, the shared-memory ring and the sensor store.");
        command.Subcommands.Add(CollectorBench.Create());
        command.Subcommands.Add(ShmBench.Create("shm"));
        command.Subcommands.Add(StoreBench.Create("store"));
        command.Subcommands.Add(ShmBench.CreateConsumer());
        return command;
    }
}
