// A persistent ring of fixed-size slots in a memory-mapped file (source document 004), crash-safe by sequence and CRC.
using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParquetFlow.Durability;
using ParquetFlow.Ipc.Interop;
using static ParquetFlow.Ipc.MappedRingLayout;

namespace ParquetFlow.Ipc;

/// <summary>
/// A circular buffer of fixed-size slots in a memory-mapped file that survives restarts and kill -9.
/// </summary>
/// <remarks>
/// One writer and one reader, which may be different processes mapping the same file; neither side is
/// thread-safe on its own. A write is committed by one aligned 8-byte store of the write sequence after the
/// slot (sequence, length, CRC-32C, payload) is in place, so a crash leaves either the old or the new state;
/// a slot that the header counts but whose CRC fails (power lost between the slot and the header reaching
/// the device) is reported as <see cref="MappedRingStatus.Torn"/>, never returned as data.
/// Durability is the ring file's fsync through the storage seam (<see cref="MappedRingOptions.Storage"/>); on Linux it
/// writes back the pages dirtied through the mapping. After one fsync failed the ring never calls a write durable
/// again: <see cref="DurableWrites"/> stops, <see cref="SyncFailed"/> is true, and every later flush (each write under
/// <see cref="FlushPolicy.EveryWrite"/>) throws <see cref="FsyncFailedException"/>.
/// Layout: docs/formats.md, "MappedRing file".
/// </remarks>
public sealed unsafe class MappedRing : IDisposable
{
    private readonly FileMapping _map;
    private readonly byte* _base;
    private readonly long _stride;
    private readonly ILogger _logger;
    private bool _syncFailureLogged;
    private int _unflushed;
    private ulong _durableWrites;
    private ulong _tornSlots;
    private bool _disposed;

    private MappedRing(FileMapping map, string path, int slotCount, int slotSize, FlushPolicy flush, ILogger logger)
    {
        _map = map;
        _logger = logger;
        _base = map.Pointer;
        Path = path;
        SlotCount = slotCount;
        SlotSize = slotSize;
        FlushPolicy = flush;
        _stride = SlotStride(slotSize);
        _durableWrites = WriteSeq;
    }

    /// <summary>The ring file.</summary>
    public string Path { get; }

    /// <summary>Number of slots.</summary>
    public int SlotCount { get; }

    /// <summary>Payload bytes per slot: the largest write.</summary>
    public int SlotSize { get; }

    /// <summary>When writes reach the device.</summary>
    public FlushPolicy FlushPolicy { get; }

    /// <summary>True when a slot is written and not yet read.</summary>
    public bool HasData => Volatile.Read(ref WriteSeq) != Volatile.Read(ref ReadSeq);

    /// <summary>True when every slot holds unread data: the next write fails.</summary>
    public bool IsFull => Volatile.Read(ref WriteSeq) - Volatile.Read(ref ReadSeq) >= (ulong)SlotCount;

    /// <summary>Writes whose slot and header this process has fsynced: they survive power loss.</summary>
    public ulong DurableWrites => _durableWrites;

    /// <summary>True once an fsync of the ring file failed: from then on nothing written is known to reach the disk.</summary>
    public bool SyncFailed => _map.File.SyncFailed;

    private ref ulong WriteSeq => ref *(ulong*)(_base + WriteSeqOffset);

    private ref ulong ReadSeq => ref *(ulong*)(_base + ReadSeqOffset);

    /// <summary>Creates a new ring file; fails if <paramref name="path"/> exists.</summary>
    /// <remarks>The file is built under a temporary name with its disk blocks reserved before it is mapped (a full
    /// disk fails here with an <see cref="IOException"/>, not later with SIGBUS), fsynced, renamed into place without
    /// overwriting, and the directory fsynced: after a crash the path holds a complete empty ring or nothing. On failure
    /// nothing is left behind.</remarks>
    public static MappedRing Create(string path, MappedRingOptions? options = null)
    {
        options ??= new MappedRingOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SlotCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SlotSize, 1);
        if (File.Exists(path))
        {
            throw new IOException($"{path}: already exists");
        }

        Storage storage = options.Storage;
        string full = System.IO.Path.GetFullPath(path);
        string temp = Storage.TemporaryPathFor(full);
        FileMapping? map = null;
        bool renamed = false;
        try
        {
            map = FileMapping.Create(storage, temp, FileLength(options.SlotCount, options.SlotSize), reserve: true);
            WriteGeometry(new Span<byte>(map.Pointer, HeaderSize), options.SlotCount, options.SlotSize);

            // Guarantee: the empty ring is on disk before its name points at it.
            map.File.Sync();
            map.MoveTo(full);
            renamed = true;

            // Guarantee: the name survives power loss once this returns.
            storage.SyncDirectory(Storage.ParentOf(full));
            Log.RingCreated(options.Logger, path, options.SlotCount, options.SlotSize);
            return new MappedRing(map, path, options.SlotCount, options.SlotSize, options.Flush, options.Logger);
        }
        catch
        {
            map?.Dispose();
            DeleteQuietly(storage, renamed ? full : temp);
            throw;
        }
    }

    private static void DeleteQuietly(Storage storage, string path)
    {
        try
        {
            storage.Delete(path);
        }
        catch (IOException)
        {
            // The original failure is what the caller needs to see; a disk that refuses even this is reported by it.
        }
    }

    /// <summary>Opens an existing ring; its geometry comes from its header. <paramref name="logger"/> hears of a file refused
    /// or repaired, torn slots and a failed fsync (see <see cref="MappedRingOptions.Logger"/>).</summary>
    /// <exception cref="InvalidRingFileException">The file is not a ring (magic, version, header CRC, length).</exception>
    public static MappedRing Open(string path, FlushPolicy? flush = null, Storage? storage = null, ILogger? logger = null)
    {
        storage ??= Storage.Default;
        logger ??= NullLogger.Instance;
        StorageFile file = FileMapping.OpenFile(storage, path);
        long length = file.Length;
        if (length < HeaderSize)
        {
            file.Dispose();
            throw Refuse(logger, new InvalidRingFileException(path, 0, $"file is {length} bytes, shorter than the {HeaderSize}-byte ring header"));
        }

        FileMapping map = FileMapping.Map(storage, file, path, tryHugePages: false);
        try
        {
            (int slotCount, int slotSize) = ValidateHeader(path, new ReadOnlySpan<byte>(map.Pointer, (int)Math.Min(map.Length, HeaderSize)), map.Length);
            var ring = new MappedRing(map, path, slotCount, slotSize, flush ?? FlushPolicy.EveryWrite, logger);
            ring.RepairHeader();
            Log.RingOpened(logger, path, slotCount, slotSize, ring.WriteSeq - ring.ReadSeq);
            return ring;
        }
        catch (InvalidRingFileException e)
        {
            map.Dispose();
            throw Refuse(logger, e);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>Logs why a file is not opened as a ring and returns the exception to throw.</summary>
    private static InvalidRingFileException Refuse(ILogger logger, InvalidRingFileException e)
    {
        Log.Refused(logger, e.Path, e);
        return e;
    }

    /// <summary>Opens <paramref name="path"/> if it exists (keeping its geometry), else creates it with <paramref name="options"/>.</summary>
    public static MappedRing OpenOrCreate(string path, MappedRingOptions? options = null)
    {
        options ??= new MappedRingOptions();
        return File.Exists(path) ? Open(path, options.Flush, options.Storage, options.Logger) : Create(path, options);
    }

    /// <summary>Copies <paramref name="data"/> into the next slot and commits it; false (nothing written) when the ring is full.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is longer than <see cref="SlotSize"/>.</exception>
    public bool TryWrite(ReadOnlySpan<byte> data)
    {
        if (data.Length > SlotSize)
        {
            throw new ArgumentException($"{data.Length} bytes do not fit a {SlotSize}-byte slot", nameof(data));
        }

        if (!TryGetWriteSpan(out Span<byte> slot))
        {
            return false;
        }

        data.CopyTo(slot);
        AdvanceWrite(data.Length);
        return true;
    }

    /// <summary>The payload area of the next slot, to fill in place before <see cref="AdvanceWrite"/>; false when full.</summary>
    public bool TryGetWriteSpan(out Span<byte> slot)
    {
        if (IsFull)
        {
            slot = default;
            return false;
        }

        slot = new Span<byte>(SlotPointer(WriteSeq) + SlotHeaderSize, SlotSize);
        return true;
    }

    /// <summary>Commits the slot filled through <see cref="TryGetWriteSpan"/> with its first <paramref name="length"/> bytes.</summary>
    public void AdvanceWrite(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, SlotSize);
        if (IsFull)
        {
            throw new InvalidOperationException("the ring is full: nothing to advance");
        }

        ulong seq = WriteSeq + 1;
        byte* slot = SlotPointer(seq - 1);
        var slotHeader = new Span<byte>(slot, SlotHeaderSize);
        BinaryPrimitives.WriteUInt64LittleEndian(slotHeader[SlotSeqOffset..], seq);
        BinaryPrimitives.WriteUInt32LittleEndian(slotHeader[SlotLengthOffset..], (uint)length);
        BinaryPrimitives.WriteUInt32LittleEndian(slotHeader[SlotCrcOffset..], SlotCrc(slot, length));

        bool syncNow = FlushPolicy.Interval == 1;
        if (syncNow)
        {
            // Durability order: the slot reaches the device before the header that counts it. A failure here
            // throws before the commit: the write is not in the ring.
            SyncFile();
        }

        Volatile.Write(ref WriteSeq, seq); // the commit point: one aligned 8-byte store
        WriteMirrors();
        if (syncNow)
        {
            // A failure here throws with the write committed (readers see it) but not durable, and never durable.
            SyncFile();
            _durableWrites = seq;
        }
        else
        {
            CountTowardsFlush();
        }
    }

    /// <summary>Copies the oldest unread slot into <paramref name="destination"/> and consumes it.</summary>
    /// <returns><see cref="MappedRingStatus.Torn"/> consumes the slot too (it is counted in the statistics); the other
    /// statuses other than <see cref="MappedRingStatus.Ok"/> consume nothing.</returns>
    public MappedRingStatus Read(Span<byte> destination, out int bytesRead)
    {
        MappedRingStatus status = Peek(destination, out bytesRead);
        if (status is MappedRingStatus.Ok or MappedRingStatus.Torn)
        {
            AdvanceReadCore(torn: status == MappedRingStatus.Torn);
        }

        return status;
    }

    /// <summary>Copies the oldest unread slot into <paramref name="destination"/> without consuming it.</summary>
    public MappedRingStatus Peek(Span<byte> destination, out int bytesRead)
    {
        MappedRingStatus status = TryGetReadSpan(out ReadOnlySpan<byte> data);
        bytesRead = 0;
        if (status != MappedRingStatus.Ok)
        {
            return status;
        }

        if (data.Length > destination.Length)
        {
            return MappedRingStatus.DestinationTooSmall;
        }

        data.CopyTo(destination);
        bytesRead = data.Length;
        return MappedRingStatus.Ok;
    }

    /// <summary>The oldest unread slot's payload in place (checked: sequence, length, CRC); valid until <see cref="AdvanceRead"/>.</summary>
    public MappedRingStatus TryGetReadSpan(out ReadOnlySpan<byte> data)
    {
        data = default;
        ulong read = Volatile.Read(ref ReadSeq);
        if (read == Volatile.Read(ref WriteSeq))
        {
            return MappedRingStatus.Empty;
        }

        byte* slot = SlotPointer(read);
        ulong seq = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(slot + SlotSeqOffset, 8));
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(slot + SlotLengthOffset, 4));
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(slot + SlotCrcOffset, 4));
        if (seq != read + 1 || length > (uint)SlotSize || crc != SlotCrc(slot, (int)length))
        {
            return MappedRingStatus.Torn;
        }

        data = new ReadOnlySpan<byte>(slot + SlotHeaderSize, (int)length);
        return MappedRingStatus.Ok;
    }

    /// <summary>Consumes the oldest unread slot (after <see cref="TryGetReadSpan"/>, or to skip a torn one).</summary>
    public void AdvanceRead()
    {
        if (!HasData)
        {
            throw new InvalidOperationException("the ring is empty: nothing to advance");
        }

        AdvanceReadCore(torn: TryGetReadSpan(out _) == MappedRingStatus.Torn);
    }

    private void AdvanceReadCore(bool torn)
    {
        ulong read = ReadSeq;
        if (torn)
        {
            // Only damage (power lost between a slot and its header) takes this branch: at most once per slot.
            _tornSlots++;
            Log.TornSlot(_logger, Path, read + 1);
        }

        Volatile.Write(ref ReadSeq, read + 1);
        WriteMirrors();
        try
        {
            if (FlushPolicy.Interval == 1)
            {
                SyncFile();
            }
            else
            {
                CountTowardsFlush();
            }
        }
        catch (IOException)
        {
            // The read throws, so its caller never took the record: it stays unread (in the mapping, hence in
            // whatever reaches the disk), to come again, rather than vanish with a read nobody saw return.
            Volatile.Write(ref ReadSeq, read);
            WriteMirrors();
            throw;
        }
    }

    /// <summary>fsyncs the ring file: whatever was written so far survives power loss.</summary>
    /// <exception cref="FsyncFailedException">The fsync failed, now or before: what was written since the last good one may be lost.</exception>
    public void Flush()
    {
        ulong written = Volatile.Read(ref WriteSeq);
        SyncFile();
        _durableWrites = written;
        _unflushed = 0;
    }

    /// <summary>The counters as they stand.</summary>
    public MappedRingStats GetStats()
    {
        ulong writes = Volatile.Read(ref WriteSeq);
        ulong reads = Volatile.Read(ref ReadSeq);
        return new MappedRingStats(SlotCount, SlotSize, (int)(writes % (ulong)SlotCount), (int)(reads % (ulong)SlotCount), writes, reads, _durableWrites, _tornSlots, SyncFailed);
    }

    /// <summary>Empties the ring and zeroes every slot header; durable on return whatever the policy.</summary>
    public void Reset()
    {
        // Each step leaves a header that opens as an empty ring: first "everything read", then the slots
        // cleared, then the counters zeroed write-first (a crash between the two leaves read > write, which
        // Open repairs to empty).
        Volatile.Write(ref ReadSeq, WriteSeq);
        SyncFile();
        for (int i = 0; i < SlotCount; i++)
        {
            new Span<byte>(_base + HeaderSize + (i * _stride), SlotHeaderSize).Clear();
        }

        SyncFile();
        Volatile.Write(ref WriteSeq, 0UL);
        Volatile.Write(ref ReadSeq, 0UL);
        WriteMirrors();
        SyncFile();
        _durableWrites = 0;
        _tornSlots = 0;
        _unflushed = 0;
    }

    /// <summary>Flushes (whatever the policy) and unmaps; throws <see cref="FsyncFailedException"/> when that flush fails, but not
    /// again for a ring whose fsync already failed (that was thrown then, and <see cref="SyncFailed"/> says so).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (!SyncFailed)
            {
                Flush();
            }
        }
        finally
        {
            _map.Dispose();
        }
    }

    /// <summary>CRC-32C over the slot header's first 12 bytes (sequence, length) and the payload.</summary>
    internal static uint SlotCrc(byte* slot, int length)
    {
        uint crc = Crc32C.Compute(new ReadOnlySpan<byte>(slot, SlotCrcOffset));
        return Crc32C.Append(crc, new ReadOnlySpan<byte>(slot + SlotHeaderSize, length));
    }

    /// <summary>The one durable flush: fsync of the ring file (data written through the mapping included).</summary>
    private void SyncFile()
    {
        try
        {
            _map.File.Sync();
        }
        catch (IOException e)
        {
            // Once: after the first failure every flush throws again (each write under EveryWrite), and saying so
            // per write would flood the log with what one line says.
            if (!_syncFailureLogged)
            {
                _syncFailureLogged = true;
                Log.SyncFailed(_logger, Path, e.Message);
            }

            throw;
        }
    }

    private byte* SlotPointer(ulong sequence) => _base + HeaderSize + ((long)(sequence % (ulong)SlotCount) * _stride);

    private void CountTowardsFlush()
    {
        if (FlushPolicy.Interval > 1 && ++_unflushed >= FlushPolicy.Interval)
        {
            Flush();
        }
    }

    /// <summary>The document's u32 fields are derived from the 64-bit sequences; a crash may leave them stale.</summary>
    private void WriteMirrors()
    {
        ulong writes = WriteSeq;
        ulong reads = ReadSeq;
        var header = new Span<byte>(_base, HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header[WriteIndexOffset..], (uint)(writes % (ulong)SlotCount));
        BinaryPrimitives.WriteUInt32LittleEndian(header[ReadIndexOffset..], (uint)(reads % (ulong)SlotCount));
        BinaryPrimitives.WriteUInt32LittleEndian(header[TotalWritesOffset..], (uint)writes);
        BinaryPrimitives.WriteUInt32LittleEndian(header[TotalReadsOffset..], (uint)reads);
    }

    private void RepairHeader()
    {
        if (ReadSeq > WriteSeq)
        {
            Log.HeaderRepaired(_logger, Path, ReadSeq, WriteSeq);
            Volatile.Write(ref ReadSeq, WriteSeq);
        }

        WriteMirrors();
        Debug.Assert(WriteSeq - ReadSeq <= (ulong)SlotCount);
    }
}
