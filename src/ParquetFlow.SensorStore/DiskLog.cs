// One sensor's pair of files: sensor_<id>.dat (fixed slots of one disk sector each) and sensor_<id>.meta.
// Called only under the owning sensor's lock. Every read, write, fsync and rename goes through the storage seam.
using System.Buffers;
using Microsoft.Extensions.Logging;
using ParquetFlow.Durability;

namespace ParquetFlow.SensorStore;

/// <summary>
/// Slot allocation, sector writes (pwrite + fsync), meta replacement (<see cref="Storage.ReplaceAtomically(string, ReadOnlyMemory{byte}, bool)"/>)
/// and recovery (meta first, then a scan of the slots the meta does not account for; a full scan when the meta is
/// missing or invalid).
/// </summary>
/// <remarks>
/// After an fsync of the data file failed, that file is never fsynced again (Linux may have dropped the pages it
/// failed to write back, so a later fsync could succeed without them): the next sector write first rewrites the file
/// under a new inode (<see cref="RewriteDataFile"/>), copying every slot that is not free, at the same offsets so the
/// meta stays right. Only the slot whose write failed was unsynced, and its records are still in RAM.
/// </remarks>
internal sealed class DiskLog : IDisposable
{
    /// <summary>Added to the next record index when the meta is lost, so an index is never handed out twice.</summary>
    public const ulong LostMetaIndexJump = 1UL << 40;

    private const int WriteGranule = 4096;

    private readonly SortedSet<int> _free = [];
    private readonly List<int> _pendingFree = [];
    private readonly Storage _storage;
    private StorageFile _data;

    private DiskLog(Storage storage, string directory, SensorSource source, uint sensorId, SensorType type, int sectorSize)
    {
        _storage = storage;
        Source = source;
        SensorId = sensorId;
        Type = type;
        SectorSize = sectorSize;
        DataPath = Path.Combine(directory, FileStem(sensorId) + ".dat");
        MetaPath = Path.Combine(directory, FileStem(sensorId) + ".meta");
        _data = OpenData();
        FileSlots = (int)((_data.Length + sectorSize - 1) / sectorSize);
    }

    public SensorSource Source { get; }

    public uint SensorId { get; }

    public SensorType Type { get; }

    public int SectorSize { get; }

    public string DataPath { get; }

    public string MetaPath { get; }

    /// <summary>Slots the file spans (live, free or stale).</summary>
    public int FileSlots { get; private set; }

    /// <summary>Times the data file was rewritten after a failed fsync.</summary>
    public int Rewrites { get; private set; }

    /// <summary>The sub-directory of a source's sensors: the source's name.</summary>
    public static string SourceDirectoryName(SensorSource source) => SensorNames.Of(source);

    public static string FileStem(uint sensorId) => $"sensor_{sensorId:D10}";

    /// <summary>Opens (creating if needed) a sensor's files and recovers its durable sectors; <paramref name="logger"/> hears of what recovery skips.</summary>
    public static DiskLog Open(Storage storage, string root, SensorSource source, uint sensorId, SensorType type, int sectorSize,
        byte[]? metaBytes, ILogger logger, out DiskRecovery recovery)
    {
        string directory = Path.Combine(root, SourceDirectoryName(source));
        storage.CreateDirectory(directory);
        var log = new DiskLog(storage, directory, source, sensorId, type, sectorSize);
        try
        {
            recovery = log.Recover(metaBytes, logger);
        }
        catch
        {
            log.Dispose();
            throw;
        }
        return log;
    }

    /// <summary>
    /// Reads the record type of an existing sensor from its meta or its first valid sector; 0 if it has neither.
    /// An <see cref="IOException"/> (the disk failed to read) propagates: it says nothing about what the files hold.
    /// </summary>
    public static SensorType ProbeType(Storage storage, string dataPath, string metaPath, int sectorSize, out byte[]? metaBytes)
    {
        metaBytes = null;
        if (File.Exists(metaPath))
        {
            metaBytes = storage.ReadAllBytes(metaPath);
            SensorMeta? meta = SensorMeta.TryDecode(metaBytes, out _);
            if (meta is not null && (meta.Type == SensorType.TimeSeries || meta.Type == SensorType.Event))
            {
                return meta.Type;
            }
        }
        if (File.Exists(dataPath))
        {
            using StorageFile file = storage.Open(dataPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            long length = file.Length;
            byte[] buffer = ArrayPool<byte>.Shared.Rent(sectorSize);
            try
            {
                for (long off = 0; off < length; off += sectorSize)
                {
                    int n = file.ReadAtMost(off, buffer.AsSpan(0, sectorSize));
                    if (SectorHeader.IsValid(buffer.AsSpan(0, n), 0, sectorSize))
                    {
                        return SectorHeader.Type(buffer);
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        return 0;
    }

    /// <summary>A free slot (lowest first, so files stay compact), or a new one at the end of the file.</summary>
    public int AllocateSlot()
    {
        if (_free.Count > 0)
        {
            int slot = _free.Min;
            _free.Remove(slot);
            return slot;
        }
        return FileSlots++;
    }

    /// <summary>A slot that was allocated but whose write was abandoned: free at once (no meta names it).</summary>
    public void ReturnUnusedSlot(int slot) => _free.Add(slot);

    /// <summary>A slot whose sector is no longer live; reusable only after the next meta write, which stops naming it.</summary>
    public void ReleaseSlot(int slot) => _pendingFree.Add(slot);

    /// <summary>
    /// Writes a sector image at its aligned offset and fsyncs the file. Only the used bytes (rounded up to
    /// 4 KB) are written; the CRC covers exactly the used bytes. Durable when this returns. When an earlier fsync of
    /// the file failed, the file is first rewritten (<see cref="RewriteDataFile"/>); a failed fsync here throws
    /// <see cref="FsyncFailedException"/> and marks the file for that rewrite.
    /// </summary>
    public void WriteSector(int slot, ReadOnlySpan<byte> image)
    {
        if (_data.SyncFailed)
        {
            RewriteDataFile(slot);
        }
        int used = SectorHeader.UsedBytes(image, RecordCodec.Size(Type));
        int length = Math.Min(SectorSize, (used + WriteGranule - 1) / WriteGranule * WriteGranule);
        _data.Write((long)slot * SectorSize, image.Slice(0, length));
        _data.Sync();
    }

    /// <summary>
    /// Reads a live sector into <paramref name="buffer"/> and validates it; false when corrupt or short. A failed read
    /// throws <see cref="IOException"/>: the disk did not answer, which says nothing about the sector (retry later).
    /// </summary>
    public bool ReadSector(DiskSegment segment, Span<byte> buffer)
    {
        int recordSize = RecordCodec.Size(Type);
        int used = SectorHeader.Size + (segment.Count * recordSize);
        if (used > SectorSize || used > buffer.Length)
        {
            return false;
        }
        int n = _data.ReadAtMost((long)segment.Slot * SectorSize, buffer.Slice(0, used));
        return n == used && SectorHeader.IsValid(buffer.Slice(0, used), Type, SectorSize)
            && SectorHeader.First(buffer) == segment.First && SectorHeader.Count(buffer) == segment.Count;
    }

    /// <summary>
    /// Replaces the data file, whose fsync failed, with a copy under a new inode: every slot that is not free (live
    /// sectors, and released ones the durable meta may still name) at the same offset, free slots and
    /// <paramref name="writing"/> (the slot about to be written) as zeros; then fsync, rename over the old name,
    /// fsync the directory (<see cref="Storage.ReplaceAtomically(string, Action{Stream}, bool)"/>). The slots copied
    /// were each fsynced before the failure, so the copy holds what the old file held durably.
    /// </summary>
    private void RewriteDataFile(int writing)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(SectorSize);
        try
        {
            int slots = FileSlots;
            _storage.ReplaceAtomically(DataPath, stream =>
            {
                for (int slot = 0; slot < slots; slot++)
                {
                    Span<byte> sector = buffer.AsSpan(0, SectorSize);
                    int n = slot == writing || _free.Contains(slot) ? 0 : _data.ReadAtMost((long)slot * SectorSize, sector);
                    sector.Slice(n).Clear();
                    stream.Write(sector);
                }
            });
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        StorageFile old = _data;
        _data = OpenData();
        old.Dispose();
        Rewrites++;
    }

    private StorageFile OpenData() => _storage.Open(DataPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);

    /// <summary>
    /// Replaces the meta file atomically: write a temp file, fsync it, rename over the old one, fsync the
    /// directory. After this returns the new cursors survive power loss; only then are released slots reused.
    /// </summary>
    public void WriteMeta(ulong erasedIndex, ulong diskTail, ulong reservedTail, IReadOnlyList<DiskSegment> segments)
    {
        var meta = new SensorMeta
        {
            Source = Source,
            Type = Type,
            SensorId = SensorId,
            DiskSectorSize = SectorSize,
            ErasedIndex = erasedIndex,
            DiskTail = diskTail,
            ReservedTail = reservedTail,
            FileSlots = FileSlots,
            Segments = segments,
        };
        // A fresh temporary file each time: a failed fsync of one is never retried on it.
        _storage.ReplaceAtomically(MetaPath, meta.Encode());
        foreach (int slot in _pendingFree)
        {
            _free.Add(slot);
        }
        _pendingFree.Clear();
    }

    /// <summary>Meta first; slots it does not name are checked for sectors written after it; a full scan without it.</summary>
    private DiskRecovery Recover(byte[]? metaBytes, ILogger logger)
    {
        var report = new List<string>();
        SensorMeta? meta = null;
        if (metaBytes is not null || File.Exists(MetaPath))
        {
            // A meta the disk fails to read is not a missing one (that would forget the erased index and bring
            // acknowledged records back): the IOException propagates and the sensor is recovered on a later open.
            meta = SensorMeta.TryDecode(metaBytes ?? _storage.ReadAllBytes(MetaPath), out string? reason);
            if (meta is null)
            {
                report.Add($"{MetaPath}: {reason}; scanning sectors");
                Log.MetaUnusable(logger, MetaPath, reason!);
            }
            else if (meta.SensorId != SensorId || meta.Source != Source || meta.Type != Type || meta.DiskSectorSize != SectorSize)
            {
                report.Add($"{MetaPath}: belongs to another sensor, type or sector size; scanning sectors");
                Log.MetaUnusable(logger, MetaPath, "belongs to another sensor, type or sector size");
                meta = null;
            }
        }

        // One pooled sector buffer: recovery memory does not grow with the backlog.
        byte[] buffer = ArrayPool<byte>.Shared.Rent(SectorSize);
        try
        {
            return Recover(meta, report, buffer, logger);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private DiskRecovery Recover(SensorMeta? meta, List<string> report, byte[] buffer, ILogger logger)
    {
        var found = new List<DiskSegment>();
        int corrupt = 0;
        var listed = new HashSet<int>();
        ulong erased = 0;
        ulong reserved = 0;
        if (meta is not null)
        {
            foreach (DiskSegment s in meta.Segments)
            {
                if (s.Slot < 0 || s.Slot >= FileSlots || s.Count <= 0 || s.Skip < 0 || s.Skip >= s.Count || !listed.Add(s.Slot))
                {
                    report.Add($"{DataPath}: meta names slot {s.Slot} that the file does not hold; its records are lost");
                    Log.CorruptSectorSkipped(logger, DataPath, s.Slot, "is named by the meta but not held by the file (its records are lost)");
                    corrupt++;
                    continue;
                }
                found.Add(s); // verified lazily when read: a CRC mismatch then drops the sector
            }
            erased = meta.ErasedIndex;
            reserved = meta.ReservedTail;
        }
        ulong newerThan = meta?.DiskTail ?? 0;
        var listedFirsts = new HashSet<ulong>();
        foreach (DiskSegment s in found)
        {
            listedFirsts.Add(s.First);
        }
        for (int slot = 0; slot < FileSlots; slot++)
        {
            if (listed.Contains(slot))
            {
                continue;
            }
            long offset = (long)slot * SectorSize;
            int n = _data.ReadAtMost(offset, buffer.AsSpan(0, SectorHeader.Size));
            if (n < SectorHeader.Size || buffer[SectorHeader.MagicOffset] != SectorHeader.Magic)
            {
                if (n > 0 && buffer.AsSpan(0, n).ContainsAnyExcept((byte)0))
                {
                    corrupt++;
                    report.Add($"{DataPath}: slot {slot} holds no sector header; skipped");
                    Log.CorruptSectorSkipped(logger, DataPath, slot, "holds no sector header");
                }
                continue;
            }
            ulong first = SectorHeader.First(buffer);
            if (meta is not null && first + (ulong)SectorHeader.Count(buffer) <= newerThan && !listedFirsts.Contains(first))
            {
                continue; // a stale sector the meta already let go of
            }
            int want = Math.Min(SectorSize, SectorHeader.Size + (SectorHeader.Count(buffer) * RecordCodec.Size(Type)));
            n = SectorHeader.Size + _data.ReadAtMost(offset + SectorHeader.Size, buffer.AsSpan(SectorHeader.Size, want - SectorHeader.Size));
            Span<byte> image = buffer.AsSpan(0, n);
            if (!SectorHeader.IsValid(image, Type, SectorSize))
            {
                corrupt++;
                report.Add($"{DataPath}: slot {slot} fails its CRC or header check; skipped");
                Log.CorruptSectorSkipped(logger, DataPath, slot, "fails its CRC or header check");
                continue;
            }
            found.Add(new DiskSegment(slot, SectorHeader.First(image), SectorHeader.Count(image), 0));
        }

        // Order by first index; a later version of the same sector (more records) wins; overlaps are trimmed
        // so that every index is served by exactly one sector. Records are immutable per index, so any
        // valid copy of an index holds the right value.
        found.Sort((a, b) => a.First != b.First ? a.First.CompareTo(b.First) : b.Count.CompareTo(a.Count));
        var segments = new List<DiskSegment>(found.Count);
        ulong covered = erased;
        var used = new HashSet<int>();
        foreach (DiskSegment s in found)
        {
            if (s.End <= covered)
            {
                continue;
            }
            int skip = covered > s.First ? (int)(covered - s.First) : 0;
            segments.Add(s with { Skip = Math.Max(skip, s.Skip) });
            used.Add(s.Slot);
            covered = s.End;
        }
        for (int slot = 0; slot < FileSlots; slot++)
        {
            if (!used.Contains(slot))
            {
                _free.Add(slot);
            }
        }
        ulong diskTail = segments.Count > 0 ? segments[^1].End : erased;
        ulong next = Math.Max(diskTail, reserved);
        if (meta is null && FileSlots > 0)
        {
            next += LostMetaIndexJump;
        }
        if (meta is null && segments.Count == 0 && FileSlots == 0)
        {
            next = 0; // a brand-new sensor
        }
        return new DiskRecovery(segments, erased, next, corrupt, meta is not null, report);
    }

    public void Dispose() => _data.Dispose();
}

/// <summary>What recovery found for one sensor.</summary>
internal sealed record DiskRecovery(
    List<DiskSegment> Segments, ulong ErasedIndex, ulong NextIndex, int CorruptSectors, bool UsedMeta, List<string> Report);
