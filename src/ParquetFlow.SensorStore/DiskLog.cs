// One sensor's pair of files: sensor_<id>.dat (fixed slots of one disk sector each) and sensor_<id>.meta.
// Called only under the owning sensor's lock.
using Microsoft.Win32.SafeHandles;

namespace ParquetFlow.SensorStore;

/// <summary>
/// Slot allocation, sector writes (pwrite + fsync), meta replacement (write temp, fsync, rename, fsync
/// directory) and recovery (meta first, then a scan of the slots the meta does not account for; a full
/// scan when the meta is missing or invalid).
/// </summary>
internal sealed class DiskLog : IDisposable
{
    /// <summary>Added to the next record index when the meta is lost, so an index is never handed out twice.</summary>
    public const ulong LostMetaIndexJump = 1UL << 40;

    private const int WriteGranule = 4096;

    private readonly SafeFileHandle _data;
    private readonly SortedSet<int> _free = [];
    private readonly List<int> _pendingFree = [];
    private readonly Func<string, bool>? _gate;
    private readonly string _directory;

    private DiskLog(string directory, SensorSource source, uint sensorId, SensorType type, int sectorSize, Func<string, bool>? gate)
    {
        _directory = directory;
        Source = source;
        SensorId = sensorId;
        Type = type;
        SectorSize = sectorSize;
        _gate = gate;
        DataPath = Path.Combine(directory, FileStem(sensorId) + ".dat");
        MetaPath = Path.Combine(directory, FileStem(sensorId) + ".meta");
        _data = File.OpenHandle(DataPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        FileSlots = (int)((RandomAccess.GetLength(_data) + sectorSize - 1) / sectorSize);
    }

    public SensorSource Source { get; }

    public uint SensorId { get; }

    public SensorType Type { get; }

    public int SectorSize { get; }

    public string DataPath { get; }

    public string MetaPath { get; }

    /// <summary>Slots the file spans (live, free or stale).</summary>
    public int FileSlots { get; private set; }

    public static string SourceDirectoryName(SensorSource source) => source switch
    {
        SensorSource.Host => "host",
        SensorSource.Application => "application",
        SensorSource.Can => "can",
        _ => throw new ArgumentOutOfRangeException(nameof(source)),
    };

    public static string FileStem(uint sensorId) => $"sensor_{sensorId:D10}";

    /// <summary>Opens (creating if needed) a sensor's files and recovers its durable sectors.</summary>
    public static DiskLog Open(string root, SensorSource source, uint sensorId, SensorType type, int sectorSize,
        Func<string, bool>? gate, byte[]? metaBytes, out DiskRecovery recovery)
    {
        string directory = Path.Combine(root, SourceDirectoryName(source));
        System.IO.Directory.CreateDirectory(directory);
        var log = new DiskLog(directory, source, sensorId, type, sectorSize, gate);
        recovery = log.Recover(metaBytes);
        return log;
    }

    /// <summary>Reads the record type of an existing sensor from its meta or its first valid sector; 0 if unknown.</summary>
    public static SensorType ProbeType(string dataPath, string metaPath, int sectorSize, out byte[]? metaBytes)
    {
        metaBytes = null;
        try
        {
            if (File.Exists(metaPath))
            {
                metaBytes = File.ReadAllBytes(metaPath);
                SensorMeta? meta = SensorMeta.TryDecode(metaBytes, out _);
                if (meta is not null && (meta.Type == SensorType.TimeSeries || meta.Type == SensorType.Event))
                {
                    return meta.Type;
                }
            }
            if (File.Exists(dataPath))
            {
                using SafeFileHandle h = File.OpenHandle(dataPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                long length = RandomAccess.GetLength(h);
                byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(sectorSize);
                try
                {
                    for (long off = 0; off < length; off += sectorSize)
                    {
                        int n = RandomAccess.Read(h, buffer.AsSpan(0, sectorSize), off);
                        if (SectorHeader.IsValid(buffer.AsSpan(0, n), 0, sectorSize))
                        {
                            return SectorHeader.Type(buffer);
                        }
                    }
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (IOException)
        {
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
    /// 4 KB) are written; the CRC covers exactly the used bytes. Durable when this returns.
    /// </summary>
    public void WriteSector(int slot, ReadOnlySpan<byte> image)
    {
        if (_gate is not null && !_gate(DataPath))
        {
            throw new IOException("injected disk write failure");
        }
        int used = SectorHeader.UsedBytes(image, SectorHeader.RecordSize(Type));
        int length = Math.Min(SectorSize, (used + WriteGranule - 1) / WriteGranule * WriteGranule);
        RandomAccess.Write(_data, image.Slice(0, length), (long)slot * SectorSize);
        Durability.FsyncFile(_data);
    }

    /// <summary>Reads a live sector into <paramref name="buffer"/> and validates it; false when corrupt or short.</summary>
    public bool ReadSector(DiskSegment segment, Span<byte> buffer)
    {
        int recordSize = SectorHeader.RecordSize(Type);
        int used = SectorHeader.Size + (segment.Count * recordSize);
        if (used > SectorSize || used > buffer.Length)
        {
            return false;
        }
        int n;
        try
        {
            n = RandomAccess.Read(_data, buffer.Slice(0, used), (long)segment.Slot * SectorSize);
        }
        catch (IOException)
        {
            return false;
        }
        return n == used && SectorHeader.IsValid(buffer.Slice(0, used), Type, SectorSize)
            && SectorHeader.First(buffer) == segment.First && SectorHeader.Count(buffer) == segment.Count;
    }

    /// <summary>
    /// Replaces the meta file atomically: write a temp file, fsync it, rename over the old one, fsync the
    /// directory. After this returns the new cursors survive power loss; only then are released slots reused.
    /// </summary>
    public void WriteMeta(ulong erasedIndex, ulong diskTail, ulong reservedTail, IReadOnlyList<DiskSegment> segments)
    {
        if (_gate is not null && !_gate(MetaPath))
        {
            throw new IOException("injected disk write failure");
        }
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
        string temp = MetaPath + ".tmp";
        using (SafeFileHandle h = File.OpenHandle(temp, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.Write(h, meta.Encode(), 0);
            Durability.FsyncFile(h);
        }
        File.Move(temp, MetaPath, overwrite: true);
        Durability.FsyncDirectory(_directory);
        foreach (int slot in _pendingFree)
        {
            _free.Add(slot);
        }
        _pendingFree.Clear();
    }

    /// <summary>Meta first; slots it does not name are checked for sectors written after it; a full scan without it.</summary>
    private DiskRecovery Recover(byte[]? metaBytes)
    {
        var report = new List<string>();
        SensorMeta? meta = null;
        if (metaBytes is not null || File.Exists(MetaPath))
        {
            try
            {
                meta = SensorMeta.TryDecode(metaBytes ?? File.ReadAllBytes(MetaPath), out string? reason);
                if (meta is null)
                {
                    report.Add($"{MetaPath}: {reason}; scanning sectors");
                }
                else if (meta.SensorId != SensorId || meta.Source != Source || meta.Type != Type || meta.DiskSectorSize != SectorSize)
                {
                    report.Add($"{MetaPath}: belongs to another sensor, type or sector size; scanning sectors");
                    meta = null;
                }
            }
            catch (IOException e)
            {
                report.Add($"{MetaPath}: {e.Message}; scanning sectors");
            }
        }

        // One pooled sector buffer: recovery memory does not grow with the backlog.
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(SectorSize);
        try
        {
            return Recover(meta, report, buffer);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private DiskRecovery Recover(SensorMeta? meta, List<string> report, byte[] buffer)
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
            int n = RandomAccess.Read(_data, buffer.AsSpan(0, SectorHeader.Size), offset);
            if (n < SectorHeader.Size || buffer[SectorHeader.MagicOffset] != SectorHeader.Magic)
            {
                if (n > 0 && buffer.AsSpan(0, n).ContainsAnyExcept((byte)0))
                {
                    corrupt++;
                    report.Add($"{DataPath}: slot {slot} holds no sector header; skipped");
                }
                continue;
            }
            ulong first = SectorHeader.First(buffer);
            if (meta is not null && first + (ulong)SectorHeader.Count(buffer) <= newerThan && !listedFirsts.Contains(first))
            {
                continue; // a stale sector the meta already let go of
            }
            int want = Math.Min(SectorSize, SectorHeader.Size + (SectorHeader.Count(buffer) * SectorHeader.RecordSize(Type)));
            n = SectorHeader.Size + RandomAccess.Read(_data, buffer.AsSpan(SectorHeader.Size, want - SectorHeader.Size), offset + SectorHeader.Size);
            Span<byte> image = buffer.AsSpan(0, n);
            if (!SectorHeader.IsValid(image, Type, SectorSize))
            {
                corrupt++;
                report.Add($"{DataPath}: slot {slot} fails its CRC or header check; skipped");
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
