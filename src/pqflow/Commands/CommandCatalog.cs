using System.CommandLine;
using ParquetFlow.Bench;

namespace ParquetFlow.Cli.Commands;

/// <summary>Every sub-command of <c>pqflow</c>; each lives in its own file and is listed here once.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return DemoCommand.Create();
        yield return InspectCommand.Create();
        yield return DumpCommand.Create();
        yield return ShmCommand.Create();
        yield return StoreCommand.Create();
        yield return RecoverCommand.Create();
        yield return ServeCommand.Create();
        yield return SendCommand.Create();
        yield return QueryCommand.Create();
        yield return ReplayCommand.Create();
        yield return BenchCommands.Create();
    }
}
