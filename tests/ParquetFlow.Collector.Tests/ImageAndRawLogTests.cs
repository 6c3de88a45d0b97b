using System.Buffers;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Images;
using ParquetFlow.Collector.RawLog;

namespace ParquetFlow.Collector.Tests;

public sealed class ImageAndRawLogTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-collector-").FullName;

    private static RackPacket Packet(PacketCommand command, SourceType type, int id, int seq, params (ushort Offset, ushort Value)[] registers)
    {
        var p = new RackPacket { Command = command, SourceType = type, SourceId = id, Sequence = seq, TimestampUs = 1 };
        p.SetCount(registers.Length);
        for (int i = 0; i < registers.Length; i++)
        {
            p.Control[i] = registers[i].Offset;
            if (command != PacketCommand.Query)
            {
                p.Data[i] = registers[i].Value;
            }
        }

        return p;
    }

    [Fact]
    public void Diff_applies_full_replaces_and_sources_keep_separate_images()
    {
        var images = new RegisterImages();
        images.Apply(Packet(PacketCommand.Diff, SourceType.Rack, 1, 0, (10, 100), (20, 200)));
        images.Apply(Packet(PacketCommand.Diff, SourceType.Rack, 1, 1, (20, 201), (65535, 7)));
        images.Apply(Packet(PacketCommand.Diff, SourceType.Sbmu, 1, 0, (10, 999)));
        ushort[] values = new ushort[3];
        Assert.True(images.Query(new SourceKey(SourceType.Rack, 1), [10, 20, 65535], values));
        Assert.Equal(new ushort[] { 100, 201, 7 }, values);
        Assert.True(images.Query(new SourceKey(SourceType.Sbmu, 1), [10, 20, 65535], values));
        Assert.Equal(new ushort[] { 999, 0, 0 }, values);

        images.Apply(Packet(PacketCommand.Full, SourceType.Rack, 1, 2, (20, 5)));
        Assert.True(images.Query(new SourceKey(SourceType.Rack, 1), [10, 20, 65535], values));
        Assert.Equal(new ushort[] { 0, 5, 0 }, values);
        Assert.False(images.Query(new SourceKey(SourceType.Rtos, 1), [10], values));
        Assert.Equal(0, images.SequenceGaps);
    }

    [Fact]
    public void Sequence_gaps_are_counted_per_source_and_wrap_at_256()
    {
        var images = new RegisterImages();
        foreach (int seq in new[] { 254, 255, 0, 1, 5, 6 })
        {
            images.Apply(Packet(PacketCommand.Diff, SourceType.Rack, 3, seq, (1, 1)));
        }

        images.Apply(Packet(PacketCommand.Diff, SourceType.Rack, 4, 9, (1, 1)));
        Assert.Equal(1, images.SequenceGaps);
    }

    [Fact]
    public void Images_survive_save_and_load_and_a_damaged_file_is_refused()
    {
        var images = new RegisterImages();
        images.Apply(Packet(PacketCommand.Diff, SourceType.Rack, 1, 7, (10, 100)));
        images.Apply(Packet(PacketCommand.Diff, SourceType.Rtos, 300, -1, (65535, 65535)));
        string path = Path.Combine(_directory, "image.bin");
        images.Save(path);
        Assert.False(File.Exists(path + ".tmp"));

        var loaded = new RegisterImages();
        loaded.Load(path);
        Assert.Equal(images.Sources, loaded.Sources);
        ushort[] value = new ushort[1];
        Assert.True(loaded.Query(new SourceKey(SourceType.Rtos, 300), [65535], value));
        Assert.Equal(65535, value[0]);
        loaded.Apply(Packet(PacketCommand.Diff, SourceType.Rack, 1, 9, (10, 1)));
        Assert.Equal(1, loaded.SequenceGaps); // the last sequence number was saved too

        byte[] bytes = File.ReadAllBytes(path);
        bytes[5000] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => new RegisterImages().Load(path)).Message);
        File.WriteAllBytes(path, bytes[..^10]);
        Assert.Throws<InvalidDataException>(() => new RegisterImages().Load(path));
        new RegisterImages().Load(Path.Combine(_directory, "missing.bin")); // nothing to load is not an error
    }

    [Fact]
    public void Images_keep_only_the_pages_written_and_image_bin_stores_only_those()
    {
        var images = new RegisterImages();
        images.Apply(Packet(PacketCommand.Diff, SourceType.Rack, 1, 0, (10, 100), (2047, 7)));    // page 0 only
        images.Apply(Packet(PacketCommand.Diff, SourceType.Rack, 2, 0, (2048, 1), (65535, 2)));   // pages 1 and 31
        string path = Path.Combine(_directory, "sparse.bin");
        images.Save(path);

        // 32-byte header, per source a 16-byte entry and its 4 KiB pages, the CRC: 3 pages, not 2 × 128 KiB.
        Assert.Equal(32 + (2 * 16) + (3 * 4096) + 4, new FileInfo(path).Length);
        var loaded = new RegisterImages();
        loaded.Load(path);
        ushort[] values = new ushort[5];
        Assert.True(loaded.Query(new SourceKey(SourceType.Rack, 1), [10, 2047, 2048, 11, 65535], values));
        Assert.Equal([100, 7, 0, 0, 0], values);
        Assert.True(loaded.Query(new SourceKey(SourceType.Rack, 2), [2048, 65535, 10, 4096, 65534], values));
        Assert.Equal([1, 2, 0, 0, 0], values);

        // A FULL packet replaces the image: the pages it does not write read 0 again, and are gone from the file.
        loaded.Apply(Packet(PacketCommand.Full, SourceType.Rack, 2, 1, (3, 3)));
        Assert.True(loaded.Query(new SourceKey(SourceType.Rack, 2), [2048, 65535, 3], values));
        Assert.Equal([0, 0, 3], values[..3]);
        loaded.Save(path);
        Assert.Equal(32 + (2 * 16) + (2 * 4096) + 4, new FileInfo(path).Length);
    }

    [Fact]
    public void A_version_2_image_bin_with_every_register_still_loads()
    {
        // Version 2, as collectors before sparse images wrote it: every register of every source, position (3, 77).
        string path = Path.Combine(_directory, "v2.bin");
        using (var file = new MemoryStream())
        {
            Span<byte> header = stackalloc byte[32];
            header.Clear();
            "PQFIMG01"u8.CopyTo(header);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header[8..], 2);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header[12..], 1);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header[16..], 3);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(header[24..], 77);
            file.Write(header);
            byte[] entry = new byte[12 + (65536 * 2)];
            entry[0] = (byte)SourceType.Rtos;
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(entry.AsSpan(4), 300);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(entry.AsSpan(8), 9);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(12 + (40_000 * 2)), 4242);
            file.Write(entry);
            byte[] body = file.ToArray();
            File.WriteAllBytes(path, [.. body, .. BitConverter.GetBytes(System.IO.Hashing.Crc32.HashToUInt32(body))]);
        }

        var images = new RegisterImages();
        Assert.Equal(new RawLogPosition(3, 77), images.Load(path));
        ushort[] value = new ushort[2];
        Assert.True(images.Query(new SourceKey(SourceType.Rtos, 300), [40_000, 1], value));
        Assert.Equal([4242, 0], value);

        // Saved again as version 3, it keeps the one page that holds a value.
        images.Save(path);
        Assert.Equal(32 + 16 + 4096 + 4, new FileInfo(path).Length);
    }

    [Fact]
    public void An_image_bin_whose_page_masks_lie_about_its_size_is_refused_and_loads_nothing()
    {
        var images = new RegisterImages();
        images.Apply(Packet(PacketCommand.Diff, SourceType.Rack, 1, 0, (10, 100)));
        string path = Path.Combine(_directory, "lying.bin");
        images.Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[32 + 12] = 0xFF; // the mask now claims eight pages where one is stored
        bytes = [.. bytes[..^4], .. BitConverter.GetBytes(System.IO.Hashing.Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)))];
        File.WriteAllBytes(path, bytes);

        var loaded = new RegisterImages();
        Assert.Contains("cut off", Assert.Throws<InvalidDataException>(() => loaded.Load(path)).Message);
        Assert.Empty(loaded.Sources);
    }

    private static byte[] Frame(int i)
    {
        var p = new RackPacket { Command = PacketCommand.Diff, SourceType = SourceType.Rack, SourceId = i % 4, Sequence = i & 0xFF, TimestampUs = 1_000_000 + i };
        p.SetCount(1 + (i % 5));
        for (int k = 0; k < p.Count; k++)
        {
            p.Control[k] = (ushort)(k * 7);
            p.Data[k] = (ushort)(i + k);
        }

        var writer = new ArrayBufferWriter<byte>();
        PacketFraming.Write(writer, p);
        return writer.WrittenSpan.ToArray();
    }

    [Fact]
    public void Raw_log_replays_every_frame_in_order_across_rotated_files()
    {
        using (var log = new RawLogWriter(_directory, rotateBytes: 512))
        {
            for (int i = 0; i < 100; i++)
            {
                log.Append(Frame(i), FramingKind.Packet, 5_000_000 + i);
            }
        }

        Assert.True(RawLogReader.Files(_directory).Count() > 3);
        var reader = new RawLogReader();
        RawLogRecord[] records = [.. reader.Read(_directory)];
        Assert.Empty(reader.Problems);
        Assert.Equal(100, records.Length);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(Frame(i), records[i].Frame.ToArray());
            Assert.Equal(5_000_000 + i, records[i].ReceiveTimeUs);
            Assert.Equal(FramingKind.Packet, records[i].Framing);
        }

        using (var more = new RawLogWriter(_directory))
        {
            more.Append(Frame(100), FramingKind.Simple, 1);
        }

        Assert.Equal(101, new RawLogReader().Read(_directory).Count());
    }

    [Fact]
    public async Task Appends_from_many_threads_while_flushes_and_rotations_fsync_keep_every_frame_in_each_threads_order()
    {
        // Fsyncs run outside the append lock; no frame may be lost, torn or reordered within its thread by that.
        const int Threads = 4;
        const int PerThread = 400;
        using (var log = new RawLogWriter(_directory, rotateBytes: 4096))
        {
            using var stop = new CancellationTokenSource();
            Task flusher = Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    log.Flush();
                }
            });
            Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
            {
                for (int i = 0; i < PerThread; i++)
                {
                    log.Append(Frame((t * PerThread) + i), FramingKind.Packet, t);
                }
            });
            await stop.CancelAsync();
            await flusher;
        }

        var reader = new RawLogReader();
        RawLogRecord[] records = [.. reader.Read(_directory)];
        Assert.Empty(reader.Problems);
        Assert.True(RawLogReader.Files(_directory).Count() > 10);
        Assert.Equal(Threads * PerThread, records.Length);
        for (int t = 0; t < Threads; t++)
        {
            byte[][] mine = [.. records.Where(r => r.ReceiveTimeUs == t).Select(r => r.Frame.ToArray())];
            Assert.Equal(Enumerable.Range(t * PerThread, PerThread).Select(Frame), mine);
        }
    }

    [Fact]
    public void A_raw_log_cut_at_any_offset_replays_exactly_the_whole_records_before_the_cut()
    {
        string source = Path.Combine(_directory, "src");
        var lengths = new List<long>();
        using (var log = new RawLogWriter(source))
        {
            for (int i = 0; i < 12; i++)
            {
                log.Append(Frame(i), FramingKind.Packet, i);
            }
        }

        byte[] whole = File.ReadAllBytes(RawLogReader.Files(source).Single());
        long end = RawLogWriter.FileHeaderSize;
        for (int i = 0; i < 12; i++)
        {
            end += RawLogWriter.RecordHeaderSize + Frame(i).Length + 4;
            lengths.Add(end);
        }

        string cutDirectory = Path.Combine(_directory, "cut");
        Directory.CreateDirectory(cutDirectory);
        string cutFile = Path.Combine(cutDirectory, "log-000001.bin");
        for (int cut = RawLogWriter.FileHeaderSize; cut <= whole.Length; cut++)
        {
            File.WriteAllBytes(cutFile, whole[..cut]);
            int expected = lengths.Count(l => l <= cut);
            Assert.Equal(expected, new RawLogReader().Read(cutDirectory).Count());
        }
    }

    [Fact]
    public void A_flipped_bit_is_reported_with_its_offset_and_the_records_around_it_replay()
    {
        using (var log = new RawLogWriter(_directory))
        {
            for (int i = 0; i < 10; i++)
            {
                log.Append(Frame(i), FramingKind.Packet, i);
            }
        }

        string file = RawLogReader.Files(_directory).Single();
        byte[] bytes = File.ReadAllBytes(file);
        int fourth = RawLogWriter.FileHeaderSize + Enumerable.Range(0, 3).Sum(i => RawLogWriter.RecordHeaderSize + Frame(i).Length + 4);
        bytes[fourth + RawLogWriter.RecordHeaderSize + 3] ^= 1;
        File.WriteAllBytes(file, bytes);
        var reader = new RawLogReader();
        Assert.Equal(9, reader.Read(_directory).Count()); // the reader resynchronizes at the fifth record
        Assert.Contains($"byte {fourth}", Assert.Single(reader.Problems));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
