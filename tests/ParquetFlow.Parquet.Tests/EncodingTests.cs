using ParquetFlow.Parquet.Encodings;
using ParquetFlow.Parquet.IO;

namespace ParquetFlow.Parquet.Tests;

public sealed class EncodingTests(ITestOutputHelper output)
{
    private static byte[] Bytes(Action<ByteBuffer> write)
    {
        using var buffer = new ByteBuffer(16);
        write(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private int Seed()
    {
        int seed = Environment.GetEnvironmentVariable("PQFLOW_TEST_SEED") is string s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (set PQFLOW_TEST_SEED to reproduce)");
        return seed;
    }

    [Fact]
    public void Bit_packing_matches_the_specification_example()
    {
        // Encodings.md: the values 0..7 bit-packed with width 3 are 10001000 11000110 11111010.
        byte[] bytes = Bytes(b => BitPacking.Pack(new uint[] { 0, 1, 2, 3, 4, 5, 6, 7 }, 3, b));
        Assert.Equal(new byte[] { 0b10001000, 0b11000110, 0b11111010 }, bytes);
    }

    [Fact]
    public void Hybrid_writes_the_specification_example_as_one_bit_packed_run()
    {
        byte[] bytes = Bytes(b => RleBitPackedHybrid.Encode<int>([0, 1, 2, 3, 4, 5, 6, 7], 3, b));
        Assert.Equal(new byte[] { 0x03, 0b10001000, 0b11000110, 0b11111010 }, bytes);
    }

    [Fact]
    public void Hybrid_writes_long_repeats_as_rle_runs_with_the_value_in_whole_bytes()
    {
        byte[] levels = Bytes(b => RleBitPackedHybrid.Encode<byte>(Enumerable.Repeat((byte)1, 100).ToArray(), 1, b));
        Assert.Equal(new byte[] { 0xC8, 0x01, 0x01 }, levels); // varint(100 << 1), then the value in one byte
        byte[] wide = Bytes(b => RleBitPackedHybrid.Encode<int>(Enumerable.Repeat(0x1234, 300).ToArray(), 13, b));
        Assert.Equal(new byte[] { 0xD8, 0x04, 0x34, 0x12 }, wide);
    }

    [Fact]
    public void Hybrid_pads_literals_to_groups_of_eight_before_a_run()
    {
        int[] values = [1, 2, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5];
        byte[] bytes = Bytes(b => RleBitPackedHybrid.Encode<int>(values, 3, b));
        Assert.Equal(0x03, bytes[0]); // one bit-packed group of 8: 1,2,3 and five 5s (3 bytes at width 3) ...
        Assert.Equal(new byte[] { 8 << 1, 5 }, bytes[4..]); // ... then the remaining eight 5s as one RLE run
        Assert.Equal(values.Select(v => (uint)v), Decoders.RleHybrid(bytes, 3, values.Length));
    }

    [Fact]
    public void Hybrid_round_trips_random_sequences_through_a_reference_decoder()
    {
        var random = new Random(Seed());
        for (int trial = 0; trial < 300; trial++)
        {
            int bitWidth = random.Next(1, 33);
            int n = random.Next(0, 2000);
            uint max = bitWidth == 32 ? uint.MaxValue : (1u << bitWidth) - 1;
            var values = new int[n];
            for (int i = 0; i < n; i++)
            {
                // Mix runs and noise so both run kinds and their boundaries are exercised.
                values[i] = i > 0 && random.Next(3) == 0 ? values[i - 1] : (int)(uint)random.NextInt64(0, (long)max + 1);
            }

            byte[] bytes = Bytes(b => RleBitPackedHybrid.Encode<int>(values, bitWidth, b));
            Assert.Equal(values.Select(v => (uint)v), Decoders.RleHybrid(bytes, bitWidth, n));
        }
    }

    [Fact]
    public void Bit_packing_round_trips_every_width_from_1_to_64()
    {
        var random = new Random(Seed());
        for (int width = 1; width <= 64; width++)
        {
            ulong mask = width == 64 ? ulong.MaxValue : (1UL << width) - 1;
            ulong[] values = Enumerable.Range(0, 37).Select(_ => (ulong)random.NextInt64() * 3 & mask).ToArray();
            byte[] bytes = Bytes(b => BitPacking.Pack(values, width, b));
            Assert.Equal((37 * width + 7) / 8, bytes.Length);
            int position = 0;
            Assert.Equal(values, Decoders.Unpack(bytes, ref position, values.Length, width));
        }
    }

    [Fact]
    public void Delta_matches_the_specification_example_of_a_constant_step()
    {
        // Encodings.md example 1: 1, 2, 3, 4, 5 -> header (128, 4, 5, first 1), min delta 1, all widths 0.
        byte[] bytes = Bytes(b => DeltaBinaryPacked.Encode(new long[] { 1, 2, 3, 4, 5 }, b));
        Assert.Equal(new byte[] { 0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00 }, bytes);
    }

    [Fact]
    public void Delta_matches_the_specification_example_with_a_negative_minimum()
    {
        // Encodings.md example 2: 7, 5, 3, 1, 2, 3, 4, 5 -> min delta -2, relative deltas 0,0,0,3,3,3,3 at width 2.
        byte[] bytes = Bytes(b => DeltaBinaryPacked.Encode(new long[] { 7, 5, 3, 1, 2, 3, 4, 5 }, b));
        byte[] expected = [0x80, 0x01, 0x04, 0x08, 0x0E, 0x03, 0x02, 0x00, 0x00, 0x00, 0xC0, 0x3F, 0, 0, 0, 0, 0, 0];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void Delta_of_no_values_is_a_header_with_a_zero_first_value()
    {
        byte[] bytes = Bytes(b => DeltaBinaryPacked.Encode(ReadOnlySpan<long>.Empty, b));
        Assert.Equal(new byte[] { 0x80, 0x01, 0x04, 0x00, 0x00 }, bytes);
    }

    [Fact]
    public void Delta_round_trips_random_int64_including_overflowing_deltas()
    {
        var random = new Random(Seed());
        for (int trial = 0; trial < 200; trial++)
        {
            int n = random.Next(0, 1000);
            long[] values = new long[n];
            for (int i = 0; i < n; i++)
            {
                values[i] = random.Next(4) switch
                {
                    0 => long.MinValue + random.Next(3),
                    1 => long.MaxValue - random.Next(3),
                    2 => (i > 0 ? values[i - 1] : 0) + random.Next(-5, 100),
                    _ => random.NextInt64(long.MinValue, long.MaxValue),
                };
            }

            byte[] bytes = Bytes(b => DeltaBinaryPacked.Encode(values, b));
            Assert.Equal(values, Decoders.DeltaBinaryPacked(bytes, is32: false, out int consumed));
            Assert.Equal(bytes.Length, consumed);
        }
    }

    [Fact]
    public void Delta_round_trips_random_int32_with_32_bit_wrapping()
    {
        var random = new Random(Seed());
        for (int trial = 0; trial < 200; trial++)
        {
            int n = random.Next(0, 700);
            int[] values = new int[n];
            for (int i = 0; i < n; i++)
            {
                values[i] = random.Next(3) == 0 ? (random.Next(2) == 0 ? int.MinValue : int.MaxValue) : random.Next(int.MinValue, int.MaxValue);
            }

            byte[] bytes = Bytes(b => DeltaBinaryPacked.Encode(values, b));
            long[] decoded = Decoders.DeltaBinaryPacked(bytes, is32: true, out _);
            Assert.Equal(values.Select(v => (long)v), decoded.Select(v => (long)(int)v));
            // INT32 readers decode with 32-bit arithmetic: no miniblock may be wider than 32 bits.
            Assert.DoesNotContain(WidthsOf(bytes), w => w > 32);
        }
    }

    private static IEnumerable<int> WidthsOf(byte[] bytes)
    {
        int position = 0;
        Decoders.ReadVarint(bytes, ref position);
        int miniblocks = (int)Decoders.ReadVarint(bytes, ref position);
        int total = (int)Decoders.ReadVarint(bytes, ref position);
        Decoders.ReadZigZag(bytes, ref position);
        int remaining = total - 1;
        while (remaining > 0)
        {
            Decoders.ReadZigZag(bytes, ref position);
            byte[] widths = bytes.AsSpan(position, miniblocks).ToArray();
            position += miniblocks;
            for (int m = 0; m < miniblocks && remaining > 0; m++)
            {
                yield return widths[m];
                position += 32 * widths[m] / 8;
                remaining -= 32;
            }
        }
    }

    [Fact]
    public void Byte_stream_split_puts_byte_k_of_every_value_in_stream_k()
    {
        byte[] plain = [0x11, 0x12, 0x13, 0x14, 0x21, 0x22, 0x23, 0x24];
        byte[] bytes = Bytes(b => ByteStreamSplit.Encode(plain, 4, b));
        Assert.Equal(new byte[] { 0x11, 0x21, 0x12, 0x22, 0x13, 0x23, 0x14, 0x24 }, bytes);
    }
}
