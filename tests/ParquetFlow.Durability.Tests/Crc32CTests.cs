using System.Text;
using ParquetFlow.Durability;

namespace ParquetFlow.Durability.Tests;

public sealed class Crc32CTests
{
    [Fact]
    public void Matches_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0u, Crc32C.Compute([]));
        // RFC 3720 B.4: 32 bytes of zeros.
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
    }

    [Fact]
    public void Hardware_and_table_paths_agree_on_random_data()
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        for (int i = 0; i < 200; i++)
        {
            var data = new byte[random.Next(0, 5000)];
            random.NextBytes(data);
            Assert.True(~Crc32C.UpdateSoftware(0xFFFFFFFF, data) == Crc32C.Compute(data), $"seed {seed}, length {data.Length}");
            int split = data.Length == 0 ? 0 : random.Next(data.Length);
            Assert.True(Crc32C.Compute(data) == Crc32C.Append(Crc32C.Compute(data.AsSpan(0, split)), data.AsSpan(split)), $"seed {seed}, split {split}");
        }
    }

    [Fact]
    public void Uses_the_CPU_instructions_on_x64_and_arm64()
    {
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.Arm64)
        {
            Assert.True(Crc32C.IsHardwareAccelerated);
        }
    }
}
