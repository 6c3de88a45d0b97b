using ParquetFlow.Durability.Faults;

namespace ParquetFlow.PowerCut;

/// <summary>One power cut of a campaign: where it falls, what survives of the unsynced writes, and a scratch directory.</summary>
internal sealed class Cut : IDisposable
{
    public Cut(string component, int number, Random random, long callsInFullRun)
    {
        Number = number;
        Directory = Path.Combine(Path.GetTempPath(), $"pqflow-powercut-{component}-{Environment.ProcessId}-{number}");
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }

        System.IO.Directory.CreateDirectory(Directory);
        Storage = new FaultyStorage(recordDurability: true);

        // Anywhere in the run, and now and then past its end (the cut then comes at the stop, or not at all).
        At = 1 + random.NextInt64(Math.Max(1, callsInFullRun + (callsInFullRun / 10)));
        Storage.CutPowerAt(At);
        Keep = random.Next(4) switch { 0 => 0, 1 => 0.3, 2 => 0.7, _ => 1 };
        Tear = random.Next(2) == 0 ? 512 : 4096;
        LossRandomSeed = random.Next();
    }

    public int Number { get; }

    public string Directory { get; }

    public FaultyStorage Storage { get; }

    public long At { get; }

    public double Keep { get; }

    public int Tear { get; }

    public int LossRandomSeed { get; }

    /// <summary>Reverts the disk to what the cut leaves: synced bytes, plus a random part of the later writes torn at <see cref="Tear"/>.</summary>
    public void LosePower()
    {
        Storage.CutPower();
        Storage.ApplyPowerLoss(new PowerLossOptions { KeepUnsyncedProbability = Keep, TearBlockSize = Tear, Random = new Random(LossRandomSeed) });
    }

    public override string ToString() => $"cut {Number} at call {At} (keep {Keep}, tear {Tear})";

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
