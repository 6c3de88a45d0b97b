using System.Text;
using ParquetFlow.Durability;
using ParquetFlow.Durability.Faults;

namespace ParquetFlow.Durability.Tests;

public sealed class StorageTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "pqflow-durability-" + Guid.NewGuid().ToString("N"));

    public StorageTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void Directory_fsync_works_on_every_architecture()
    {
        // On arm and arm64 the x86 value of O_DIRECTORY (0x10000) is O_DIRECT, and open(2) of a directory with it
        // fails with EINVAL: this is the call every meta replace, file completion and restart depends on.
        Storage.Default.SyncDirectory(_root);
        string nested = Path.Combine(_root, "a", "b", "c");
        Storage.Default.CreateDirectory(nested);
        Assert.True(Directory.Exists(nested));
    }

    [Fact]
    public void Directory_fsync_of_a_missing_directory_says_which_and_why()
    {
        var e = Assert.Throws<IOException>(() => Storage.Default.SyncDirectory(Path.Combine(_root, "missing")));
        Assert.Contains("missing", e.Message, StringComparison.Ordinal);
        Assert.Contains("errno", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Atomic_replace_leaves_the_new_content_and_no_temporary_file()
    {
        string path = Path.Combine(_root, "image.bin");
        Storage.Default.ReplaceAtomically(path, "old"u8.ToArray());
        Storage.Default.ReplaceAtomically(path, stream => stream.Write("new content"u8));
        Assert.Equal("new content", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_root));
    }

    [Fact]
    public void Atomic_create_refuses_an_existing_file_and_cleans_up()
    {
        string path = Path.Combine(_root, "ring.bin");
        Storage.Default.ReplaceAtomically(path, "first"u8.ToArray(), overwrite: false);
        Assert.ThrowsAny<IOException>(() => Storage.Default.ReplaceAtomically(path, "second"u8.ToArray(), overwrite: false));
        Assert.Equal("first", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_root));
    }

    [Fact]
    public void A_failed_atomic_replace_keeps_the_old_content()
    {
        string path = Path.Combine(_root, "meta");
        Storage.Default.ReplaceAtomically(path, "old"u8.ToArray());
        var faults = new FaultyStorage();
        faults.Fail(StorageFault.IOError, StorageOperation.Sync);
        Assert.ThrowsAny<IOException>(() => faults.ReplaceAtomically(path, "new"u8.ToArray()));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_root));
    }

    [Fact]
    public void After_a_failed_fsync_the_file_is_never_called_durable_again()
    {
        var faults = new FaultyStorage();
        using StorageFile file = faults.Open(Path.Combine(_root, "log"), FileMode.Create, FileAccess.ReadWrite);
        file.Write(0, "abc"u8);
        faults.Fail(StorageFault.IOError, StorageOperation.Sync);
        Assert.Throws<FsyncFailedException>(file.Sync);
        Assert.True(file.SyncFailed);

        // Linux may have dropped the dirty pages and reports the error once: a second fsync would succeed. Not here.
        long calls = faults.Calls;
        var again = Assert.Throws<FsyncFailedException>(file.Sync);
        Assert.Contains("earlier fsync failed", again.Message, StringComparison.Ordinal);
        Assert.Equal(calls, faults.Calls);
    }

    [Fact]
    public void Injected_errors_carry_the_errno_and_hit_only_the_chosen_calls()
    {
        var faults = new FaultyStorage();
        string path = Path.Combine(_root, "data");
        using StorageFile file = faults.Open(path, FileMode.Create, FileAccess.ReadWrite);
        faults.Fail(StorageFault.DiskFull, StorageOperation.Write, p => p.EndsWith("data", StringComparison.Ordinal), skip: 1);
        file.Write(0, "one"u8);
        var full = Assert.Throws<IOException>(() => file.Write(3, "two"u8));
        Assert.Equal(28, full.HResult);
        file.Write(3, "three"u8);
        faults.Fail(StorageFault.IOError, StorageOperation.Read);
        var eio = Assert.Throws<IOException>(() => file.Read(0, new byte[8]));
        Assert.Equal(5, eio.HResult);
        Assert.Equal("onethree", Encoding.ASCII.GetString(File.ReadAllBytes(path)));
        Assert.Equal(2, faults.FaultsInjected);
    }

    [Fact]
    public void A_short_write_stores_a_prefix_and_fails()
    {
        var faults = new FaultyStorage();
        string path = Path.Combine(_root, "short");
        using StorageFile file = faults.Open(path, FileMode.Create, FileAccess.ReadWrite);
        faults.Fail(StorageFault.ShortWrite(2), StorageOperation.Write);
        Assert.ThrowsAny<IOException>(() => file.Write(0, "abcdef"u8));
        Assert.Equal("ab", File.ReadAllText(path));
    }

    [Fact]
    public void A_failed_stream_write_leaves_none_of_its_bytes_to_be_written_later()
    {
        var faults = new FaultyStorage();
        string path = Path.Combine(_root, "stream");
        using StorageFile file = faults.Open(path, FileMode.Create, FileAccess.ReadWrite);
        using var stream = new StorageStream(file, bufferSize: 8);
        stream.Write("AAAA"u8);
        faults.Fail(StorageFault.DiskFull, StorageOperation.Write);

        // Does not fit: the buffer is written first, fails, and the record is refused whole.
        Assert.ThrowsAny<IOException>(() => stream.Write("BBBBBB"u8));
        stream.Write("CC"u8);
        stream.Flush();
        Assert.Equal("AAAACC", File.ReadAllText(path));
    }

    [Fact]
    public void Power_cut_at_a_chosen_call_refuses_that_call_and_every_later_one()
    {
        var faults = new FaultyStorage();
        using StorageFile file = faults.Open(Path.Combine(_root, "cut"), FileMode.Create, FileAccess.ReadWrite);
        faults.CutPowerAt(faults.Calls + 2);
        file.Write(0, "x"u8);
        Assert.Throws<PowerLostException>(() => file.Write(1, "y"u8));
        Assert.Throws<FsyncFailedException>(file.Sync);
        Assert.Throws<PowerLostException>(() => faults.Delete(Path.Combine(_root, "cut")));
        Assert.True(faults.PoweredOff);
    }

    [Fact]
    public void Power_loss_reverts_each_file_to_its_last_fsync()
    {
        var faults = new FaultyStorage(recordDurability: true);
        string existing = Path.Combine(_root, "existing");
        File.WriteAllText(existing, "before");
        string created = Path.Combine(_root, "created");
        using (StorageFile file = faults.Open(created, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(0, "synced"u8);
            file.Sync();
            file.Write(6, "-lost"u8);
        }

        faults.SyncDirectory(_root);
        using (StorageFile file = faults.Open(existing, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Write(0, "AFTER!"u8);
        }

        faults.CutPower();
        faults.ApplyPowerLoss();
        Assert.Equal("synced", File.ReadAllText(created));
        Assert.Equal("before", File.ReadAllText(existing));
        Assert.False(faults.PoweredOff);
    }

    [Fact]
    public void Power_loss_forgets_names_their_directory_never_synced()
    {
        var faults = new FaultyStorage(recordDurability: true);
        string durable = Path.Combine(_root, "durable");
        string renamed = Path.Combine(_root, "renamed");
        string fresh = Path.Combine(_root, "fresh");
        faults.ReplaceAtomically(durable, "kept"u8.ToArray());
        faults.Move(durable, renamed, overwrite: false);
        using (StorageFile file = faults.Open(fresh, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(0, "synced but unnamed"u8);
            file.Sync();
        }

        string directory = Path.Combine(_root, "new", "deeper");
        Directory.CreateDirectory(Path.Combine(_root, "new"));
        faults.CreateDirectory(directory);

        faults.ApplyPowerLoss();
        Assert.Equal("kept", File.ReadAllText(durable));
        Assert.False(File.Exists(renamed));
        Assert.False(File.Exists(fresh));

        // CreateDirectory fsyncs each parent it adds to, so the new level survives.
        Assert.True(Directory.Exists(directory));
    }

    [Fact]
    public void Power_loss_removes_a_directory_whose_parent_fsync_failed()
    {
        var faults = new FaultyStorage(recordDurability: true);
        string directory = Path.Combine(_root, "partition");
        faults.Fail(StorageFault.IOError, StorageOperation.SyncDirectory, p => p == _root);
        Assert.ThrowsAny<IOException>(() => faults.CreateDirectory(directory));
        faults.ReplaceAtomically(Path.Combine(directory, "file"), "x"u8.ToArray());

        faults.ApplyPowerLoss();
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void Torn_power_loss_keeps_whole_blocks_of_either_version()
    {
        const int Block = 512;
        var faults = new FaultyStorage(recordDurability: true);
        string path = Path.Combine(_root, "torn");
        byte[] before = Enumerable.Repeat((byte)'a', Block * 16).ToArray();
        byte[] after = Enumerable.Repeat((byte)'b', Block * 24).ToArray();
        using (StorageFile file = faults.Open(path, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(0, before);
            file.Sync();
            file.Write(0, after);
        }

        faults.SyncDirectory(_root);
        int seed = Environment.TickCount;
        faults.ApplyPowerLoss(new PowerLossOptions { KeepUnsyncedProbability = 0.5, TearBlockSize = Block, Random = new Random(seed) });
        byte[] result = File.ReadAllBytes(path);
        Assert.True(result.Length is Block * 16 or Block * 24, $"seed {seed}: length {result.Length}");
        for (int at = 0; at < result.Length; at += Block)
        {
            byte first = result[at];
            Assert.True(result.AsSpan(at, Block).IndexOfAnyExcept(first) < 0, $"seed {seed}: block at {at} is torn inside");
            byte[] allowed = at < before.Length ? [(byte)'a', (byte)'b'] : [(byte)'b', 0];
            Assert.Contains(first, allowed);
        }
    }
}
