using ParquetFlow.Durability;
using ParquetFlow.Durability.Faults;

namespace ParquetFlow.Ipc.Tests;

/// <summary>The mapped ring under the storage seam: how its file is created, what a failed fsync does, what a power cut keeps.</summary>
public sealed class MappedRingDurabilityTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static MappedRingOptions Small(Storage storage, FlushPolicy? flush = null) =>
        new() { SlotCount = 8, SlotSize = 16, Flush = flush ?? FlushPolicy.EveryWrite, Storage = storage };

    [Fact]
    public void Create_reserves_blocks_before_the_first_fsync_then_renames_without_overwrite_and_syncs_the_directory()
    {
        var storage = new FaultyStorage();
        var calls = new List<(StorageOperation Operation, string Path)>();
        storage.OnCall = (_, operation, path) => calls.Add((operation, path));
        string path = _dir.File("ring.bin");
        using (MappedRing.Create(path, Small(storage)))
        {
        }

        string temp = Storage.TemporaryPathFor(path);
        (StorageOperation, string)[] expected =
        [
            (StorageOperation.Open, temp),
            (StorageOperation.Allocate, temp),
            (StorageOperation.Sync, temp),
            (StorageOperation.Move, temp),
            (StorageOperation.SyncDirectory, _dir.Path),
        ];
        Assert.Equal(expected, calls.Take(expected.Length));
        Assert.Equal(StorageOperation.Sync, calls[^1].Operation); // the flush on dispose
    }

    [Fact]
    public void A_failure_at_any_step_of_create_throws_and_leaves_no_file_behind()
    {
        var counting = new FaultyStorage();
        using (MappedRing.Create(_dir.File("count.bin"), Small(counting)))
        {
            // Only the creation's calls are counted: the dispose's flush comes after.
        }

        long createCalls = counting.Calls - 1;
        Assert.True(createCalls >= 5, $"{createCalls} calls");
        for (long call = 1; call <= createCalls; call++)
        {
            foreach (StorageFault fault in new[] { StorageFault.IOError, StorageFault.DiskFull })
            {
                using var dir = new TempDirectory();
                var storage = new FaultyStorage();
                storage.FailAt(call, fault);
                string path = dir.File("ring.bin");
                IOException e = Assert.ThrowsAny<IOException>(() => MappedRing.Create(path, Small(storage)));
                Assert.Contains("injected", e.Message, StringComparison.Ordinal);
                Assert.True(Directory.GetFileSystemEntries(dir.Path).Length == 0, $"call {call} ({fault.Kind}) left {string.Join(", ", Directory.GetFileSystemEntries(dir.Path))}");
            }
        }
    }

    [Fact]
    public void A_disk_that_cannot_reserve_the_ring_fails_create_with_the_reason_not_a_crash_later()
    {
        var storage = new FaultyStorage();
        storage.Fail(StorageFault.DiskFull, StorageOperation.Allocate);
        string path = _dir.File("ring.bin");
        IOException e = Assert.ThrowsAny<IOException>(() => MappedRing.Create(path, Small(storage)));
        Assert.Contains("No space left on device", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void After_a_failed_fsync_every_write_and_flush_throws_and_durable_writes_stop()
    {
        var storage = new FaultyStorage();
        string path = _dir.File("ring.bin");
        MappedRing ring = MappedRing.Create(path, Small(storage));
        Assert.True(ring.TryWrite([1]));
        Assert.Equal(1u, ring.DurableWrites);

        storage.Fail(StorageFault.IOError, StorageOperation.Sync, times: 1);
        Assert.Throws<FsyncFailedException>(() => ring.TryWrite([2]));

        // The disk answers again, but the pages an fsync failed on may be gone: never durable again.
        Assert.Throws<FsyncFailedException>(() => ring.TryWrite([3]));
        Assert.Throws<FsyncFailedException>(ring.Flush);
        Assert.Throws<FsyncFailedException>(ring.Reset);
        Assert.True(ring.SyncFailed);
        MappedRingStats stats = ring.GetStats();
        Assert.True(stats.SyncFailed);
        Assert.Equal(1u, stats.DurableWrites);
        Assert.Equal(1u, ring.DurableWrites);
        ring.Dispose(); // does not throw a second time: the failure was reported when it happened
    }

    [Fact]
    public void A_failed_flush_under_every_n_and_on_demand_leaves_durable_writes_where_they_were()
    {
        foreach (FlushPolicy policy in new[] { FlushPolicy.EveryN(2), FlushPolicy.OnDemand })
        {
            var storage = new FaultyStorage();
            using MappedRing ring = MappedRing.Create(_dir.File($"ring-{policy}.bin"), Small(storage, policy));
            ring.TryWrite([1]);
            ring.TryWrite([2]);
            ring.Flush();
            Assert.Equal(2u, ring.DurableWrites);
            storage.Fail(StorageFault.IOError, StorageOperation.Sync, times: 1);
            ring.TryWrite([3]);
            Assert.Throws<FsyncFailedException>(() =>
            {
                ring.TryWrite([4]); // EveryN(2) flushes here
                ring.Flush();
            });
            Assert.Equal(2u, ring.DurableWrites);
            Assert.Throws<FsyncFailedException>(ring.Flush);
            Assert.Equal(2u, ring.GetStats().DurableWrites);
            Assert.True(ring.GetStats().SyncFailed);
        }
    }

    [Fact]
    public void A_read_whose_fsync_fails_throws_and_leaves_the_record_to_read_again()
    {
        foreach (FlushPolicy policy in new[] { FlushPolicy.EveryWrite, FlushPolicy.EveryN(3) })
        {
            using var dir = new TempDirectory();
            var storage = new FaultyStorage(recordDurability: true);
            string path = dir.File("ring.bin");
            MappedRing ring = MappedRing.Create(path, Small(storage, policy));
            for (byte i = 1; i <= 3; i++)
            {
                Assert.True(ring.TryWrite([i]));
            }

            Assert.Equal(3u, ring.DurableWrites);
            var buffer = new byte[16];
            storage.Fail(StorageFault.IOError, StorageOperation.Sync);
            bool threw = false;
            int returned = 0;
            for (int r = 0; r < 3 && !threw; r++)
            {
                try
                {
                    Assert.Equal(MappedRingStatus.Ok, ring.Read(buffer, out _));
                    returned++;
                }
                catch (FsyncFailedException)
                {
                    threw = true;
                }
            }

            Assert.True(threw, $"{policy}: no read reached an fsync");
            int unread = ring.GetStats().Count;
            try
            {
                ring.Dispose();
            }
            catch (IOException)
            {
            }

            // The power goes with the disk as it is (every write made it): the record whose read threw is still unread.
            storage.ApplyPowerLoss(new PowerLossOptions { KeepUnsyncedProbability = 1 });
            using MappedRing reopened = MappedRing.Open(path);
            Assert.True(unread == 3 - returned, $"{policy}: {returned} reads returned, {unread} of 3 records unread: the read that threw consumed its record");
            Assert.Equal(unread, reopened.GetStats().Count);
            Assert.Equal(MappedRingStatus.Ok, reopened.Read(buffer, out int length));
            Assert.Equal(1, length);
            Assert.Equal(returned + 1, buffer[0]);
        }
    }

    [Fact]
    public void After_a_power_cut_the_ring_holds_every_write_it_called_durable_and_opens_cleanly()
    {
        var storage = new FaultyStorage(recordDurability: true);
        string path = _dir.File("ring.bin");
        MappedRing ring = MappedRing.Create(path, Small(storage, FlushPolicy.EveryN(3)));
        for (byte i = 1; i <= 7; i++)
        {
            Assert.True(ring.TryWrite([i, i, i]));
        }

        Assert.Equal(6u, ring.DurableWrites); // the seventh write was never flushed
        storage.CutPower();
        Assert.Throws<FsyncFailedException>(ring.Dispose); // the final flush cannot reach the disk
        storage.ApplyPowerLoss();

        using MappedRing reopened = MappedRing.Open(path);
        var buffer = new byte[16];
        for (byte i = 1; i <= 6; i++)
        {
            Assert.Equal(MappedRingStatus.Ok, reopened.Read(buffer, out int length));
            Assert.Equal(new[] { i, i, i }, buffer.AsSpan(0, length).ToArray());
        }

        Assert.Equal(MappedRingStatus.Empty, reopened.Read(buffer, out _));
    }

    [Fact]
    public void A_power_cut_during_create_leaves_either_a_whole_empty_ring_or_nothing()
    {
        var counting = new FaultyStorage();
        using (MappedRing.Create(_dir.File("count.bin"), Small(counting)))
        {
        }

        for (long call = 1; call < counting.Calls; call++)
        {
            using var dir = new TempDirectory();
            var storage = new FaultyStorage(recordDurability: true);
            storage.CutPowerAt(call);
            string path = dir.File("ring.bin");
            Assert.ThrowsAny<IOException>(() => MappedRing.Create(path, Small(storage)));
            storage.ApplyPowerLoss();
            if (File.Exists(path))
            {
                using MappedRing ring = MappedRing.Open(path);
                Assert.False(ring.HasData);
                Assert.Equal(8, ring.SlotCount);
            }

            Assert.False(File.Exists(Storage.TemporaryPathFor(path)), $"call {call}: the temporary file survived the cut");
        }
    }
}
