// Peer comparisons: `dotnet run -c Release --project bench/ParquetFlow.PeerBench -- parquet [--rows N] [--runs R]`.
using ParquetFlow.PeerBench;

return args.Length > 0 && args[0] == "parquet"
    ? ParquetWriterComparison.Run(args[1..])
    : Usage();

static int Usage()
{
    Console.Error.WriteLine("usage: ParquetFlow.PeerBench parquet [--rows N] [--runs R] [--dir DIR]");
    return 2;
}
