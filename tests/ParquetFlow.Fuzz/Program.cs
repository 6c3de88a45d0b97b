// The footer reader's fuzzing harness: under afl-fuzz (scripts/fuzz-footer.sh) each input is one file given to
// FooterProbe; an exception other than the reader's refusals ends the run and afl-fuzz records the input as a crash.
// `ParquetFlow.Fuzz FILE...` replays saved inputs and prints what each did; `ParquetFlow.Fuzz --seeds DIR` writes the
// seed corpus.
using ParquetFlow.Fuzz;
using ParquetFlow.Tests.Shared;
using SharpFuzz;

if (args is ["--seeds", string directory])
{
    SeedFiles.Write(directory);
    foreach (string seed in Directory.GetFiles(directory))
    {
        // A seed the reader refuses would teach the fuzzer nothing about descriptions.
        if (FooterProbe.Describe(File.ReadAllBytes(seed)) is string refusal)
        {
            Console.Error.WriteLine($"{seed}: refused: {refusal}");
            return 1;
        }
    }

    return 0;
}

if (args.Length > 0)
{
    int crashes = 0;
    foreach (string path in args)
    {
        try
        {
            string? refusal = FooterProbe.Describe(File.ReadAllBytes(path));
            Console.WriteLine($"{path}: {(refusal is null ? "described" : "refused: " + refusal)}");
        }
        catch (Exception e)
        {
            crashes++;
            Console.WriteLine($"{path}: CRASH {e.GetType().Name}: {e.Message}");
            Console.WriteLine(e.StackTrace);
        }
    }

    return crashes == 0 ? 0 : 1;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    FooterProbe.Describe(copy.ToArray());
});
return 0;
