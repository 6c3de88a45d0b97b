using System.Buffers.Binary;

namespace ParquetFlow.Ipc.Tests;

/// <summary><c>pqflow dump</c> run as a real process.</summary>
public sealed class DumpCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Dumps_the_header_block_then_hex_lines_per_slot()
    {
        string path = _dir.File("game.ring");
        using (MappedRing ring = MappedRing.Create(path, new MappedRingOptions { SlotCount = 3, SlotSize = 64 }))
        {
            ring.TryWrite("################# F s s P"u8);
            ring.TryWrite("Hello, World!\0"u8);
            ring.Read(new byte[64], out _);
        }

        (int code, string stdout, string stderr) = ToolPaths.Pqflow("dump", "-n", "20", path);
        Assert.True(code == 0, stderr);
        string[] lines = stdout.Split('\n');
        Assert.Equal("=== CIRCULAR BUFFER HEADER ===", lines[0]);
        Assert.Equal("Write index:  2", lines[1]);
        Assert.Equal("Read index:   1", lines[2]);
        Assert.Equal("Total writes: 2", lines[3]);
        Assert.Equal("Total reads:  1", lines[4]);
        Assert.Equal("Magic number: 0xbeefcafe", lines[5]);
        Assert.Contains("Dumping 20 bytes from each of 3 slots:", lines);
        Assert.Contains("slot[ 0] 00000000: 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23  |################|", lines);
        Assert.Contains("slot[ 0] 00000010: 23 20 46 20                                      |# F |", lines);
        Assert.Contains("slot[ 1] 00000000: 48 65 6c 6c 6f 2c 20 57 6f 72 6c 64 21 00 00 00  |Hello, World!...|", lines);
        Assert.Contains(lines, l => l.StartsWith("slot[ 1] write #2, 14 bytes, crc 0x", StringComparison.Ordinal) && l.EndsWith(" ok, unread", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("slot[ 0] write #1, 25 bytes", StringComparison.Ordinal) && l.EndsWith(", read", StringComparison.Ordinal));
        Assert.Contains("slot[ 2] never written", lines);
    }

    [Fact]
    public void Marks_a_torn_slot()
    {
        string path = _dir.File("torn.ring");
        using (MappedRing ring = MappedRing.Create(path, new MappedRingOptions { SlotCount = 2, SlotSize = 16 }))
        {
            ring.TryWrite("abc"u8);
        }

        byte[] file = File.ReadAllBytes(path);
        file[64 + 16] = (byte)'X';
        File.WriteAllBytes(path, file);
        (int code, string stdout, _) = ToolPaths.Pqflow("dump", path);
        Assert.Equal(0, code);
        Assert.Contains("MISMATCH (torn), unread", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_the_documents_original_layout()
    {
        // 004's file: 64-byte header (write, read, total writes, total reads, magic), 10 raw slots of 1024 bytes.
        var file = new byte[64 + 10240];
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(0), 3);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), 15);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(12), 12);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(16), 0xbeefcafe);
        "Snake"u8.CopyTo(file.AsSpan(64 + 1024));
        string path = _dir.File("snake2.dat");
        File.WriteAllBytes(path, file);

        (int code, string stdout, _) = ToolPaths.Pqflow("dump", "-n", "16", path);
        Assert.Equal(0, code);
        Assert.Contains("Total writes: 15\nTotal reads:  12\n", stdout, StringComparison.Ordinal);
        Assert.Contains("slot[ 1] 00000000: 53 6e 61 6b 65 00 00 00 00 00 00 00 00 00 00 00  |Snake...........|", stdout, StringComparison.Ordinal);
        Assert.Contains("Dumping 16 bytes from each of 10 slots:", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_ring_is_a_clear_error()
    {
        string path = _dir.File("notes.txt");
        File.WriteAllText(path, new string('x', 5000));
        (int code, string stdout, string stderr) = ToolPaths.Pqflow("dump", path);
        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("not a valid ring (at byte 16): magic is 0x78787878, expected 0xbeefcafe", stderr, StringComparison.Ordinal);

        (code, _, stderr) = ToolPaths.Pqflow("dump", _dir.File("missing.ring"));
        Assert.Equal(1, code);
        Assert.Contains("missing.ring", stderr, StringComparison.Ordinal);
    }
}
