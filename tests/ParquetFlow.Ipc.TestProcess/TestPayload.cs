// Deterministic slot contents shared by the writer process and the tests that check what survived.
namespace ParquetFlow.Ipc.TestProcess;

internal static class TestPayload
{
    /// <summary>The bytes of write number <paramref name="sequence"/> under <paramref name="seed"/>: 1 to <paramref name="maxLength"/> bytes.</summary>
    public static byte[] For(int seed, ulong sequence, int maxLength)
    {
        // Not HashCode.Combine: its seed differs per process, and writer and checker are different processes.
        ulong mixed = ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) ^ (sequence * 0xC2B2AE3D27D4EB4FUL);
        var random = new Random((int)(mixed ^ (mixed >> 32)));
        var bytes = new byte[random.Next(1, maxLength + 1)];
        random.NextBytes(bytes);
        return bytes;
    }
}
