// The SharedRing segment layout (docs/formats.md, "SharedRing segment"), defined once.
namespace ParquetFlow.Ipc;

internal static class SharedRingLayout
{
    public const uint Magic = 0x52535150; // "PQSR" in file order
    public const ushort CurrentVersion = 1;
    public const ushort RowMajorSeqlock = 1;
    public const int HeaderSize = 4096;
    public const int ConsumerTableOffset = 4096;
    public const int MaxConsumers = 64;
    public const int ConsumerEntrySize = 64;
    public const int DataOffset = ConsumerTableOffset + (MaxConsumers * ConsumerEntrySize); // 8192
    public const int StampSize = 8;
    public const string FilePrefix = "pqflow-";
    public const string DefaultDirectory = "/dev/shm";

    // Header fields.
    public const int MagicOffset = 0;           // u32
    public const int VersionOffset = 4;         // u16
    public const int LayoutOffset = 6;          // u16
    public const int HeaderSizeOffset = 8;      // u32
    public const int FlagsOffset = 12;          // u32
    public const int CapacityOffset = 16;       // u64, rows, a power of two
    public const int RowSizeOffset = 24;        // u32, row stride in bytes
    public const int ColumnCountOffset = 28;    // u32
    public const int DataOffsetOffset = 32;     // u64
    public const int SegmentSizeOffset = 40;    // u64
    public const int SchemaOffsetOffset = 48;   // u32
    public const int SchemaLengthOffset = 52;   // u32
    public const int ConsumerTableOffsetOffset = 56; // u32
    public const int MaxConsumersOffset = 60;   // u32
    public const int CreatedOffset = 64;        // u64, Unix time in ns

    public const int HeadOffset = 128;          // u64, own cache line: rows [0, head) are published
    public const int ProducerPidOffset = 192;   // i32
    public const int ProducerStateOffset = 196; // u32: 0 none, 1 attached, 2 closed cleanly
    public const int GenerationOffset = 200;    // u64: producer attaches so far
    public const int HeartbeatOffset = 208;     // u64: CLOCK_MONOTONIC ns of the producer's last heartbeat
    public const int WakeWordOffset = 256;      // i32 futex word, own cache line
    public const int WaitersOffset = 260;       // i32 consumers asleep on the futex word
    public const int LockOffset = 320;          // i32 pid holding the row lock (locked mode), 0 when free
    public const int SchemaOffset = 512;        // UTF-8 JSON up to the end of the header
    public const int MaxSchemaLength = HeaderSize - SchemaOffset;

    // Consumer entry fields.
    public const int ConsumerStateOffset = 0;   // u32: 0 free, 1 registered
    public const int ConsumerPidOffset = 4;     // i32: attached pid, 0 when detached
    public const int ConsumerCursorOffset = 8;  // u64: next sequence the consumer reads
    public const int ConsumerLostOffset = 16;   // u64: rows it lost to being lapped
    public const int ConsumerNameOffset = 32;   // 32 bytes UTF-8, NUL padded
    public const int MaxConsumerNameBytes = 32;

    public const uint FlagLocked = 1;
    public const uint FlagMlock = 2;
    public const uint FlagHugePages = 4;

    public const uint ProducerNone = 0;
    public const uint ProducerAttached = 1;
    public const uint ProducerClosed = 2;

    /// <summary>Stamp of a row whose sequence is <paramref name="sequence"/> once published; odd (minus one) while being written.</summary>
    public static ulong PublishedStamp(long sequence) => (2 * (ulong)sequence) + 2;

    public static string PathFor(string name, string? directory)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return name;
        }

        ValidateName(name);
        return Path.Combine(directory ?? DefaultDirectory, FilePrefix + name);
    }

    public static string NameOf(string path)
    {
        string file = Path.GetFileName(path);
        return file.StartsWith(FilePrefix, StringComparison.Ordinal) ? file[FilePrefix.Length..] : file;
    }

    public static void ValidateName(string name)
    {
        if (name.Length is 0 or > 64)
        {
            throw new ArgumentException($"segment name '{name}' must be 1 to 64 characters", nameof(name));
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                throw new ArgumentException($"segment name '{name}' may use only letters, digits, '_', '-' and '.'", nameof(name));
            }
        }
    }
}
