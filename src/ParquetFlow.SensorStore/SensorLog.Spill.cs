// Spilling RAM sectors to disk sectors: each disk sector is written and fsynced first, then swapped in and the RAM
// freed; FlushLocked is the sequence, one method per step.
using System.Buffers;
using System.Buffers.Binary;

namespace ParquetFlow.SensorStore;

public sealed partial class SensorLog
{
    /// <summary>
    /// Moves RAM records (sealed sectors, and the open one when asked) to disk sectors: append to the last
    /// disk sector by writing a longer copy to a fresh slot, or start new sectors; each sector is written
    /// and fsynced, and only then are the RAM sectors freed (the meta follows in the manager pass). On a
    /// write failure nothing moves (the sectors stay dirty in RAM and are retried next tick).
    /// </summary>
    private StoreResult FlushLocked(bool includeOpen, int maxSectors)
    {
        int moveCount = CountSectorsToMove(includeOpen, maxSectors);
        if (moveCount == 0)
        {
            return StoreResult.Ok;
        }
        using var batch = new SpillBatch(_disk!.SectorSize);
        try
        {
            ContinueLastDiskSector(batch);
            int s = _head;
            for (int moved = 0; moved < moveCount; moved++, s = _pool.Next(s))
            {
                if (!CopyToImages(batch, _pool.Sector(s)))
                {
                    return StoreResult.NoSpace;
                }
            }
            if (!WriteLastImage(batch))
            {
                return StoreResult.NoSpace;
            }
        }
        catch (IOException e)
        {
            // Includes FsyncFailedException: the file is then rewritten before its next write (DiskLog.RewriteDataFile).
            AbandonSpillLocked(batch, e);
            return StoreResult.IoError;
        }
        CommitSpillLocked(batch, moveCount);
        return StoreResult.Ok;
    }

    /// <summary>How many RAM sectors move, from the head: the sealed ones, then the tail when asked and not empty.</summary>
    private int CountSectorsToMove(bool includeOpen, int maxSectors)
    {
        int moveCount = 0;
        for (int s = _head; s != -1 && moveCount < maxSectors; s = _pool.Next(s))
        {
            if (s == _tail)
            {
                if (includeOpen && SectorHeader.Count(_pool.Sector(s)) > 0)
                {
                    moveCount++;
                }
                break;
            }
            moveCount++;
        }
        return moveCount;
    }

    /// <summary>Starts the batch from the last disk sector when the first record to move follows it directly.</summary>
    private void ContinueLastDiskSector(SpillBatch batch)
    {
        if (_segments.Count == 0)
        {
            return;
        }
        DiskSegment last = _segments[^1];
        if (last.End == MoveStart(_head) && last.Count < _diskPerSector && TryReadForContinuation(last, batch.Image))
        {
            batch.Open = true;
            batch.First = last.First;
            batch.Count = last.Count;
            batch.Skip = last.Skip;
            batch.LoadedCount = last.Count;
            batch.ReplacedSlot = last.Slot;
        }
    }

    /// <summary>Copies the unerased records of one RAM sector into disk images, writing each image that fills or would leave a gap.</summary>
    private bool CopyToImages(SpillBatch batch, Span<byte> sector)
    {
        ulong first = SectorHeader.First(sector);
        ulong index = Math.Max(first, _erased);
        ulong end = first + (ulong)SectorHeader.Count(sector);
        while (index < end)
        {
            if (batch.Open && (batch.Count == _diskPerSector || batch.First + (ulong)batch.Count != index))
            {
                if (!WriteImage(batch))
                {
                    return false;
                }
                batch.Open = false;
            }
            if (!batch.Open)
            {
                SectorHeader.Init(batch.Image, Type, index);
                batch.First = index;
                batch.Count = 0;
                batch.Skip = 0;
                batch.Open = true;
            }
            int take = (int)Math.Min(end - index, (ulong)(_diskPerSector - batch.Count));
            sector.Slice(SectorHeader.Size + ((int)(index - first) * _recordSize), take * _recordSize)
                .CopyTo(batch.Image.Slice(SectorHeader.Size + (batch.Count * _recordSize)));
            batch.Count += take;
            index += (ulong)take;
        }
        return true;
    }

    /// <summary>Writes the image left open, unless it is the continued last disk sector with nothing added.</summary>
    private bool WriteLastImage(SpillBatch batch)
    {
        bool untouchedContinuation = batch.Written.Count == 0 && batch.ReplacedSlot >= 0
            && batch.First == _segments[^1].First && batch.Count == batch.LoadedCount;
        return !batch.Open || batch.Count == 0 || untouchedContinuation || WriteImage(batch);
    }

    /// <summary>A write failed: the slots and quota the batch took are given back and the failure reported; RAM is untouched.</summary>
    private void AbandonSpillLocked(SpillBatch batch, IOException error)
    {
        DiskLog disk = _disk!;
        foreach (DiskSegment w in batch.Written)
        {
            disk.ReturnUnusedSlot(w.Slot);
        }
        _store.ReturnDiskQuota(batch.QuotaTaken);
        _consecutiveFailures++;
        _store.ReportDiskFailure(_consecutiveFailures, "writing sectors to", disk.DataPath, error);
    }

    /// <summary>The batch's sectors are durable: swap them in (a longer copy replaces the last sector), then free the RAM they came from.</summary>
    private void CommitSpillLocked(SpillBatch batch, int moveCount)
    {
        DiskLog disk = _disk!;
        List<DiskSegment> written = batch.Written;
        if (written.Count > 0)
        {
            if (batch.ReplacedSlot >= 0 && written[0].First == _segments[^1].First && written[0].Slot != _segments[^1].Slot)
            {
                _store.ReleaseDiskSlot(disk, batch.ReplacedSlot);
                _segments[^1] = written[0];
                written.RemoveAt(0);
            }
            _segments.AddRange(written);
            _diskTail = _segments[^1].End;
        }
        for (int i = 0; i < moveCount; i++)
        {
            if (_head == _tail)
            {
                ResetTailLocked();
                break;
            }
            int s = _head;
            _head = _pool.Next(s);
            _pool.FreeExtra(s);
            _ramSectors--;
        }
        _store.ReportDiskSuccess(disk.DataPath, _consecutiveFailures);
        _consecutiveFailures = 0;
        // The records are durable now (their sectors are fsynced; recovery finds sectors newer than the
        // meta). The meta that names them and frees the replaced slots follows in the manager pass, so a
        // writer flushing under backpressure pays one fsync, not three.
        _metaDirty = true;
    }

    /// <summary>Reads the last disk sector to extend it; a read error only means a new sector is started instead.</summary>
    private bool TryReadForContinuation(DiskSegment last, Span<byte> image)
    {
        try
        {
            return _disk!.ReadSector(last, image);
        }
        catch (IOException e)
        {
            _store.ReportReadFailure(e);
            return false;
        }
    }

    private ulong MoveStart(int sector)
    {
        Span<byte> s = _pool.Sector(sector);
        return Math.Max(SectorHeader.First(s), _erased);
    }

    /// <summary>Writes the batch's image to a fresh slot (under quota), adding it to <see cref="SpillBatch.Written"/>.</summary>
    private bool WriteImage(SpillBatch batch)
    {
        DiskLog disk = _disk!;
        if (batch.ReplacesLast)
        {
            _store.TakeDiskQuotaForReplacement(); // the old copy is released at commit: net zero
            batch.QuotaTaken++;
        }
        else
        {
            while (!_store.TryTakeDiskQuota())
            {
                if (!DropOldestUnsentDiskSegmentLocked(keepLast: true) && !_store.DropForQuota(this))
                {
                    foreach (DiskSegment w in batch.Written)
                    {
                        disk.ReturnUnusedSlot(w.Slot);
                    }
                    _store.ReturnDiskQuota(batch.QuotaTaken);
                    return false;
                }
            }
            batch.QuotaTaken++;
        }
        Span<byte> img = batch.Image;
        SectorHeader.SetCount(img, batch.Count);
        BinaryPrimitives.WriteUInt64LittleEndian(img.Slice(SectorHeader.FirstOffset), batch.First);
        SectorHeader.Seal(img, _recordSize);
        int slot = disk.AllocateSlot();
        batch.Written.Add(new DiskSegment(slot, batch.First, batch.Count, batch.Skip));
        int rewrites = disk.Rewrites;
        try
        {
            disk.WriteSector(slot, img);
        }
        finally
        {
            if (disk.Rewrites != rewrites)
            {
                _store.ReportRewrite(disk.DataPath);
            }
        }
        return true;
    }

    /// <summary>
    /// The disk sectors one flush builds: the image being filled (a pooled buffer), the sectors already written
    /// (durable, not yet swapped in) and the quota taken for them. Used under the sensor's lock only.
    /// </summary>
    private sealed class SpillBatch : IDisposable
    {
        private readonly byte[] _buffer;
        private readonly int _sectorSize;

        public SpillBatch(int sectorSize)
        {
            _sectorSize = sectorSize;
            _buffer = ArrayPool<byte>.Shared.Rent(sectorSize);
        }

        /// <summary>The disk sector image being filled.</summary>
        public Span<byte> Image => _buffer.AsSpan(0, _sectorSize);

        public List<DiskSegment> Written { get; } = [];

        /// <summary>The slot of the last disk sector the batch continues, or -1.</summary>
        public int ReplacedSlot { get; set; } = -1;

        /// <summary>Records the continued sector held when it was read (-1 when none was continued).</summary>
        public int LoadedCount { get; set; } = -1;

        public int QuotaTaken { get; set; }

        /// <summary>Whether <see cref="Image"/> holds a sector being filled: its first index, record count and skip.</summary>
        public bool Open { get; set; }

        public ulong First { get; set; }

        public int Count { get; set; }

        public int Skip { get; set; }

        /// <summary>The next image written is the longer copy of the continued last sector.</summary>
        public bool ReplacesLast => ReplacedSlot >= 0 && Written.Count == 0;

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
    }
}
