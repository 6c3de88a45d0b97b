using System.Collections.Concurrent;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Images;

namespace ParquetFlow.Collector.Server;

/// <summary>
/// What each source has done since the server started: when it was last heard, frames, registers, sequence gaps, and
/// frames and registers per <see cref="BucketSeconds"/>-second bucket over the last <see cref="Buckets"/> buckets (the
/// operators' view charts them). <see cref="Record"/> is called once per accepted DIFF or FULL frame, under that
/// source's accept lock, so calls for one source never overlap; it only bumps counters. Readers may read at any time
/// from any thread and see a consistent-enough picture (each counter is read atomically, not all of them as one).
/// </summary>
public sealed class SourceActivity
{
    /// <summary>Width of one history bucket, in seconds.</summary>
    public const int BucketSeconds = 5;

    /// <summary>History buckets kept per source: five minutes of them.</summary>
    public const int Buckets = 60;

    /// <summary>Completed buckets the per-second rates are averaged over (one minute).</summary>
    public const int RateBuckets = 12;

    private const long BucketMicroseconds = BucketSeconds * 1_000_000L;

    private readonly ConcurrentDictionary<SourceKey, Entry> _entries = new();

    /// <summary>Sources that have sent a DIFF or FULL frame since start.</summary>
    public int Count => _entries.Count;

    /// <summary>The sources seen since start, in order.</summary>
    public IReadOnlyList<SourceKey> Sources
    {
        get
        {
            var keys = new List<SourceKey>(_entries.Keys);
            keys.Sort();
            return keys;
        }
    }

    /// <summary>
    /// Counts <paramref name="packet"/> (DIFF or FULL; other commands are ignored) received at <paramref name="receiveUs"/>
    /// (microseconds since the Unix epoch). Calls for the same source must not overlap (the server holds its accept lock).
    /// </summary>
    public void Record(RackPacket packet, long receiveUs)
    {
        if (packet.Command is not (PacketCommand.Diff or PacketCommand.Full))
        {
            return;
        }

        Entry entry = _entries.GetOrAdd(new SourceKey(packet.SourceType, packet.SourceId), static _ => new Entry());
        if (packet.Sequence >= 0)
        {
            if (entry.LastSequence >= 0 && packet.Sequence != ((entry.LastSequence + 1) & 0xFF))
            {
                Interlocked.Increment(ref entry.Gaps);
            }

            entry.LastSequence = packet.Sequence;
        }

        Interlocked.Increment(ref entry.Frames);
        Interlocked.Add(ref entry.Registers, packet.Count);
        if (Interlocked.Exchange(ref entry.LastSeenUs, receiveUs) == 0)
        {
            Interlocked.Exchange(ref entry.FirstSeenUs, receiveUs);
        }
        long bucket = receiveUs / BucketMicroseconds;
        int slot = (int)(bucket % Buckets);
        if (Volatile.Read(ref entry.BucketIds[slot]) != bucket)
        {
            Volatile.Write(ref entry.BucketFrames[slot], 0);
            Volatile.Write(ref entry.BucketRegisters[slot], 0);
            Interlocked.Exchange(ref entry.BucketIds[slot], bucket);
        }

        Volatile.Write(ref entry.BucketFrames[slot], entry.BucketFrames[slot] + 1);
        Volatile.Write(ref entry.BucketRegisters[slot], entry.BucketRegisters[slot] + packet.Count);
    }

    /// <summary>What <paramref name="source"/> has done, as of <paramref name="nowUs"/>; false for a source not seen since start.</summary>
    public bool TryGet(SourceKey source, long nowUs, out SourceActivitySnapshot snapshot)
    {
        if (!_entries.TryGetValue(source, out Entry? entry))
        {
            snapshot = default;
            return false;
        }

        // The last Buckets completed buckets, oldest first; the bucket in progress is left out so rates do not dip.
        long current = nowUs / BucketMicroseconds;
        int[] frames = new int[Buckets];
        int[] registers = new int[Buckets];
        for (int i = 0; i < Buckets; i++)
        {
            long bucket = current - Buckets + i;
            int slot = (int)(((bucket % Buckets) + Buckets) % Buckets);
            if (Interlocked.Read(ref entry.BucketIds[slot]) == bucket)
            {
                frames[i] = Volatile.Read(ref entry.BucketFrames[slot]);
                registers[i] = Volatile.Read(ref entry.BucketRegisters[slot]);
            }
        }

        long recentFrames = 0;
        long recentRegisters = 0;
        for (int i = Buckets - RateBuckets; i < Buckets; i++)
        {
            recentFrames += frames[i];
            recentRegisters += registers[i];
        }

        // The rates cover the last minute of completed buckets, or less of it for a source first heard within that
        // minute, so a source that just started is not shown at a fraction of its rate.
        long windowStart = Math.Max((current - RateBuckets) * BucketMicroseconds, Interlocked.Read(ref entry.FirstSeenUs));
        double window = (current * BucketMicroseconds) - windowStart;
        window = window > 0 ? window / 1e6 : double.PositiveInfinity;
        snapshot = new SourceActivitySnapshot(
            source,
            Interlocked.Read(ref entry.LastSeenUs),
            Interlocked.Read(ref entry.Frames),
            Interlocked.Read(ref entry.Registers),
            Interlocked.Read(ref entry.Gaps),
            recentFrames / window,
            recentRegisters / window,
            frames,
            registers);
        return true;
    }

    private sealed class Entry
    {
        public long Frames;
        public long Registers;
        public long Gaps;
        public long LastSeenUs;
        public long FirstSeenUs;
        public int LastSequence = -1;
        public readonly long[] BucketIds = CreateIds();
        public readonly int[] BucketFrames = new int[Buckets];
        public readonly int[] BucketRegisters = new int[Buckets];

        private static long[] CreateIds()
        {
            long[] ids = new long[Buckets];
            Array.Fill(ids, -1);
            return ids;
        }
    }
}

/// <summary>
/// One source's activity (<see cref="SourceActivity.TryGet"/>): totals since start, rates over the last minute of
/// completed buckets (0 until one has completed since it was first heard), and the
/// per-bucket history over the last five minutes, oldest first (<see cref="SourceActivity.BucketSeconds"/> seconds each).
/// </summary>
public readonly record struct SourceActivitySnapshot(
    SourceKey Source,
    long LastSeenUs,
    long Frames,
    long Registers,
    long SequenceGaps,
    double FramesPerSecond,
    double RegistersPerSecond,
    int[] FrameHistory,
    int[] RegisterHistory);
