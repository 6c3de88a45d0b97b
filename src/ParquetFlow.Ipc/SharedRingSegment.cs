// A mapped SharedRing segment: header fields as refs into shared memory, validation, row addressing.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using ParquetFlow.Durability;
using ParquetFlow.Ipc.Interop;
using static ParquetFlow.Ipc.SharedRingLayout;

namespace ParquetFlow.Ipc;

internal sealed unsafe class SharedRingSegment : IDisposable
{
    private readonly FileMapping _map;

    private SharedRingSegment(FileMapping map, SharedRingSchema schema)
    {
        _map = map;
        Base = map.Pointer;
        Schema = schema;
        Capacity = (long)*(ulong*)(Base + CapacityOffset);
        Mask = Capacity - 1;
        RowSize = schema.RowSize;
        Data = Base + *(ulong*)(Base + DataOffsetOffset);
    }

    public byte* Base { get; }

    public byte* Data { get; }

    public SharedRingSchema Schema { get; }

    public long Capacity { get; }

    public long Mask { get; }

    public int RowSize { get; }

    public string Path => _map.Path;

    public FileMapping Mapping => _map;

    public uint Flags => *(uint*)(Base + FlagsOffset);

    public bool Locked => (Flags & FlagLocked) != 0;

    public ref long Head => ref *(long*)(Base + HeadOffset);

    public ref int ProducerPid => ref *(int*)(Base + ProducerPidOffset);

    public ref uint ProducerState => ref *(uint*)(Base + ProducerStateOffset);

    public ref ulong Generation => ref *(ulong*)(Base + GenerationOffset);

    public ref long Heartbeat => ref *(long*)(Base + HeartbeatOffset);

    public ref int WakeWord => ref *(int*)(Base + WakeWordOffset);

    public ref int Waiters => ref *(int*)(Base + WaitersOffset);

    public ref int LockOwner => ref *(int*)(Base + LockOffset);

    public int* WakeWordPointer => (int*)(Base + WakeWordOffset);

    public byte* Row(long sequence) => Data + ((sequence & Mask) * RowSize);

    public ref ulong Stamp(long sequence) => ref *(ulong*)Row(sequence);

    public byte* ConsumerEntry(int index) => Base + ConsumerTableOffset + (index * ConsumerEntrySize);

    /// <summary>Builds a new segment under a temporary name and renames it into place: attachers see a whole segment or none.</summary>
    public static SharedRingSegment Create(string path, SharedRingSchema schema, long capacity, uint flags, bool tryHugePages)
    {
        Debug.Assert(capacity > 0 && (capacity & (capacity - 1)) == 0);
        string json = schema.ToJson(capacity);
        byte[] jsonBytes = Encoding.UTF8.GetBytes(json);
        if (jsonBytes.Length > MaxSchemaLength)
        {
            throw new ArgumentException($"schema JSON is {jsonBytes.Length} bytes; the header holds {MaxSchemaLength}");
        }

        long align = tryHugePages ? 2 << 20 : Posix.PageSize;
        long size = (DataOffset + (capacity * schema.RowSize) + align - 1) / align * align;
        string temp = $"{path}.tmp.{Environment.ProcessId}";
        FileMapping map = FileMapping.Create(Storage.Default, temp, size, tryHugePages);
        try
        {
            var header = new Span<byte>(map.Pointer, HeaderSize);
            BinaryPrimitives.WriteUInt32LittleEndian(header[MagicOffset..], Magic);
            BinaryPrimitives.WriteUInt16LittleEndian(header[VersionOffset..], CurrentVersion);
            BinaryPrimitives.WriteUInt16LittleEndian(header[LayoutOffset..], RowMajorSeqlock);
            BinaryPrimitives.WriteUInt32LittleEndian(header[HeaderSizeOffset..], HeaderSize);
            BinaryPrimitives.WriteUInt32LittleEndian(header[FlagsOffset..], flags);
            BinaryPrimitives.WriteUInt64LittleEndian(header[CapacityOffset..], (ulong)capacity);
            BinaryPrimitives.WriteUInt32LittleEndian(header[RowSizeOffset..], (uint)schema.RowSize);
            BinaryPrimitives.WriteUInt32LittleEndian(header[ColumnCountOffset..], (uint)schema.Columns.Count);
            BinaryPrimitives.WriteUInt64LittleEndian(header[DataOffsetOffset..], DataOffset);
            BinaryPrimitives.WriteUInt64LittleEndian(header[SegmentSizeOffset..], (ulong)size);
            BinaryPrimitives.WriteUInt32LittleEndian(header[SchemaOffsetOffset..], SchemaOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(header[SchemaLengthOffset..], (uint)jsonBytes.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[ConsumerTableOffsetOffset..], ConsumerTableOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(header[MaxConsumersOffset..], MaxConsumers);
            BinaryPrimitives.WriteInt64LittleEndian(header[CreatedOffset..], (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100);
            jsonBytes.CopyTo(header[SchemaOffset..]);
            map.MoveTo(path);
            return new SharedRingSegment(map, schema);
        }
        catch
        {
            map.Dispose();
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Maps an existing segment and validates magic, version, layout, sizes and schema.</summary>
    /// <exception cref="InvalidRingFileException">Not a SharedRing segment of this version.</exception>
    public static SharedRingSegment Open(string path, bool tryHugePages = false)
    {
        FileMapping map = FileMapping.Open(path, tryHugePages);
        try
        {
            return new SharedRingSegment(map, Validate(path, new ReadOnlySpan<byte>(map.Pointer, (int)Math.Min(map.Length, HeaderSize)), map.Length));
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    public static SharedRingSchema Validate(string path, ReadOnlySpan<byte> header, long length)
    {
        if (length < DataOffset)
        {
            throw new InvalidRingFileException(path, 0, $"segment is {length} bytes, shorter than the {DataOffset}-byte header and consumer table");
        }

        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header[MagicOffset..]);
        if (magic != Magic)
        {
            throw new InvalidRingFileException(path, MagicOffset, $"magic is 0x{magic:x8}, expected 0x{Magic:x8} (\"PQSR\")");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(header[VersionOffset..]);
        ushort layout = BinaryPrimitives.ReadUInt16LittleEndian(header[LayoutOffset..]);
        if (version != CurrentVersion || layout != RowMajorSeqlock)
        {
            throw new InvalidRingFileException(path, VersionOffset, $"version {version} layout {layout} is not supported (this build reads version {CurrentVersion} layout {RowMajorSeqlock})");
        }

        ulong capacity = BinaryPrimitives.ReadUInt64LittleEndian(header[CapacityOffset..]);
        uint rowSize = BinaryPrimitives.ReadUInt32LittleEndian(header[RowSizeOffset..]);
        ulong dataOffset = BinaryPrimitives.ReadUInt64LittleEndian(header[DataOffsetOffset..]);
        uint schemaLength = BinaryPrimitives.ReadUInt32LittleEndian(header[SchemaLengthOffset..]);
        if (capacity == 0 || (capacity & (capacity - 1)) != 0 || dataOffset != DataOffset || schemaLength > MaxSchemaLength
            || (ulong)length < dataOffset + (capacity * rowSize))
        {
            throw new InvalidRingFileException(path, CapacityOffset, $"capacity {capacity}, row size {rowSize}, data offset {dataOffset} do not fit a {length}-byte segment");
        }

        SharedRingSchema schema;
        try
        {
            schema = SharedRingSchema.FromJson(Encoding.UTF8.GetString(header.Slice(SchemaOffset, (int)schemaLength)));
        }
        catch (FormatException e)
        {
            throw new InvalidRingFileException(path, SchemaOffset, e.Message);
        }

        if (schema.RowSize != rowSize)
        {
            throw new InvalidRingFileException(path, RowSizeOffset, $"row size {rowSize} disagrees with the schema ({schema.RowSize})");
        }

        return schema;
    }

    public string SchemaJson => Encoding.UTF8.GetString(new ReadOnlySpan<byte>(Base + SchemaOffset, *(int*)(Base + SchemaLengthOffset)));

    /// <summary>How the producer looks from here, judged by state, pid and heartbeat age.</summary>
    public ProducerStatus GetProducerStatus()
    {
        uint state = Volatile.Read(ref ProducerState);
        if (state == ProducerNone)
        {
            return ProducerStatus.None;
        }

        if (state == ProducerClosed)
        {
            return ProducerStatus.Closed;
        }

        if (!Posix.ProcessExists(Volatile.Read(ref ProducerPid)))
        {
            return ProducerStatus.Dead;
        }

        // Stopwatch (CLOCK_MONOTONIC), not a TimeProvider: another process wrote the heartbeat, so only the clock the kernel shares compares.
        long age = Stopwatch.GetElapsedTime(Volatile.Read(ref Heartbeat)).Ticks;
        return age > TimeSpan.FromSeconds(2).Ticks ? ProducerStatus.Stalled : ProducerStatus.Live;
    }

    /// <summary>Takes the row lock of a locked-mode segment; breaks a lock whose holder died.</summary>
    public void Lock()
    {
        int me = Environment.ProcessId;
        var spinner = new SpinWait();
        while (true)
        {
            int owner = Interlocked.CompareExchange(ref LockOwner, me, 0);
            if (owner == 0)
            {
                return;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
            if (spinner.Count % 1024 == 0 && owner != me && !Posix.ProcessExists(owner))
            {
                Interlocked.CompareExchange(ref LockOwner, 0, owner);
            }
        }
    }

    public void Unlock() => Volatile.Write(ref LockOwner, 0);

    public void Dispose() => _map.Dispose();
}
