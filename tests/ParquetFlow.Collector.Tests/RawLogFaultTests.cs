using System.Buffers.Binary;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Durability.Faults;

namespace ParquetFlow.Collector.Tests;

/// <summary>The raw log under the storage seam's faults: full and failing disks, failed fsyncs, power cuts.</summary>
public sealed class RawLogFaultTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pqflow-rawfault-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void A_failed_write_leaves_no_partial_record_ahead_of_later_ones()
    {
        var faults = new FaultyStorage();
        var accepted = new List<int>();
        using (var log = new RawLogWriter(_directory, storage: faults))
        {
            // Frames of 1,000 bytes: the 64 KiB buffer goes to the disk every ~65 of them. The disk is full for the
            // first of those writes and then for two short writes, each of which stores part of the buffer.
            faults.Fail(StorageFault.DiskFull, StorageOperation.Write, skip: 1);
            faults.Fail(StorageFault.ShortWrite(3_000), StorageOperation.Write, skip: 2, times: 2);
            for (int i = 0; i < 400; i++)
            {
                try
                {
                    log.Append(Frame(i), FramingKind.Packet, i);
                    accepted.Add(i);
                }
                catch (IOException)
                {
                }
            }

            log.Flush();
        }

        Assert.Equal(3, faults.FaultsInjected);
        Assert.True(accepted.Count >= 397, $"{accepted.Count} frames accepted");
        var reader = new RawLogReader();
        int[] read = [.. reader.Read(_directory).Select(r => BinaryPrimitives.ReadInt32LittleEndian(r.Frame.Span))];
        Assert.Empty(reader.Problems);
        Assert.Equal(accepted, read);
    }

    [Fact]
    public void A_failed_fsync_is_reported_once_and_the_log_moves_to_a_new_file()
    {
        var faults = new FaultyStorage();
        using var log = new RawLogWriter(_directory, storage: faults);
        for (int i = 0; i < 10; i++)
        {
            log.Append(Frame(i), FramingKind.Packet, i);
        }

        log.Flush();
        for (int i = 10; i < 15; i++)
        {
            log.Append(Frame(i), FramingKind.Packet, i);
        }

        faults.Fail(StorageFault.IOError, StorageOperation.Sync);
        var e = Assert.Throws<IOException>(log.Flush);
        Assert.Contains("up to 5 frames", e.Message, StringComparison.Ordinal);
        Assert.Equal(5, log.FramesAtRisk);

        // The file whose fsync failed is never fsynced again: later frames go to a new one, whose flushes succeed.
        log.Append(Frame(15), FramingKind.Packet, 15);
        log.Flush();
        Assert.Equal(2, RawLogReader.Files(_directory).Count());
    }

    [Fact]
    public void Every_flushed_frame_survives_a_power_cut()
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        for (int round = 0; round < 20; round++)
        {
            string directory = Path.Combine(_directory, round.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var faults = new FaultyStorage(recordDurability: true);
            faults.CutPowerAt(random.Next(5, 120));
            int flushed = 0;
            int appended = 0;
            try
            {
                using var log = new RawLogWriter(directory, rotateBytes: 8 << 10, storage: faults);
                for (int i = 0; i < 400; i++)
                {
                    log.Append(Frame(i), FramingKind.Packet, i);
                    appended = i + 1;
                    if (i % 25 == 24)
                    {
                        log.Flush();
                        flushed = i + 1;
                    }
                }
            }
            catch (IOException) when (faults.PoweredOff)
            {
            }

            faults.ApplyPowerLoss(new PowerLossOptions { KeepUnsyncedProbability = random.NextDouble(), TearBlockSize = 512, Random = new Random(seed + round) });
            int[] read = [.. new RawLogReader().Read(directory).Select(r => BinaryPrimitives.ReadInt32LittleEndian(r.Frame.Span))];
            string context = $"seed {seed}, round {round}: flushed {flushed}, appended {appended}, read {read.Length}";
            // Every flushed frame, in order; after them a torn unsynced write may leave a gap the reader skips, but never
            // a frame out of order or twice.
            Assert.True(read.Length >= flushed, context);
            Assert.True(read.Take(flushed).SequenceEqual(Enumerable.Range(0, flushed)), context);
            Assert.True(read.Zip(read.Skip(1)).All(pair => pair.First < pair.Second), context);
        }
    }

    [Fact]
    public void The_reader_resynchronizes_past_a_damaged_record_and_reports_the_bytes_it_skipped()
    {
        using (var log = new RawLogWriter(_directory))
        {
            for (int i = 0; i < 10; i++)
            {
                log.Append(Frame(i), FramingKind.Packet, i);
            }
        }

        // One flipped bit in the fourth record's frame: its checksum fails, the six records after it are intact.
        string file = Assert.Single(RawLogReader.Files(_directory));
        byte[] bytes = File.ReadAllBytes(file);
        int record = RawLogWriter.RecordHeaderSize + 1_000 + 4;
        int fourth = RawLogWriter.FileHeaderSize + (3 * record);
        bytes[fourth + RawLogWriter.RecordHeaderSize + 500] ^= 0x10;
        File.WriteAllBytes(file, bytes);

        var reader = new RawLogReader();
        int[] read = [.. reader.Read(_directory).Select(r => BinaryPrimitives.ReadInt32LittleEndian(r.Frame.Span))];
        Assert.Equal([0, 1, 2, 4, 5, 6, 7, 8, 9], read);
        string problem = Assert.Single(reader.Problems);
        Assert.Contains($"{record} damaged bytes at byte {fourth} skipped", problem, StringComparison.Ordinal);
    }

    private static byte[] Frame(int number)
    {
        byte[] frame = new byte[1_000];
        BinaryPrimitives.WriteInt32LittleEndian(frame, number);
        frame.AsSpan(4).Fill((byte)number);
        return frame;
    }
}
