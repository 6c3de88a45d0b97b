using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.RawLog;
using ParquetFlow.Durability;
using ParquetFlow.Sink;

namespace ParquetFlow.Collector.Images;

/// <summary>
/// The live register images: 65,536 registers per source. DIFF packets apply their registers, FULL packets replace the
/// image, queries read it; per-source sequence gaps are counted. Thread-safe: each image has its own lock, so
/// connections of different sources never wait on each other. Persisted as <c>image.bin</c> (docs/formats.md).
/// An image is held in pages of 2,048 registers (4 KiB) made when a register in them is first written, so a rack that
/// uses a few hundred registers costs a page or two, not 128 KiB (a thousand sources on a gateway); a register never
/// written reads 0, and <c>image.bin</c> stores only the pages that exist.
/// </summary>
public sealed class RegisterImages
{
    private static ReadOnlySpan<byte> Magic => "PQFIMG01"u8;
    private const int FileVersion = 3;
    private const int HeaderBytes = 32;
    private const int ImageBytes = RackPacket.MaxRegisters * sizeof(ushort);
    private const int PageShift = 11;
    private const int PageRegisters = 1 << PageShift;
    private const int PageBytes = PageRegisters * sizeof(ushort);
    private const int Pages = RackPacket.MaxRegisters / PageRegisters; // 32: one bit each in a uint32

    private readonly Lock _sourcesLock = new();
    private readonly Dictionary<SourceKey, Image> _images = [];
    private long _gaps;
    private long _changes;

    /// <summary>Sequence numbers that did not follow the previous one of their source.</summary>
    public long SequenceGaps => Interlocked.Read(ref _gaps);

    /// <summary>
    /// Counts the packets applied and images loaded: equal values read before and after a while mean no image changed
    /// meanwhile (so <c>image.bin</c> need not be rewritten).
    /// </summary>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>Sources with an image.</summary>
    public IReadOnlyList<SourceKey> Sources
    {
        get
        {
            lock (_sourcesLock)
            {
                return [.. _images.Keys.Order()];
            }
        }
    }

    /// <summary>Applies a DIFF or FULL packet to its source's image (creating it); other commands are ignored.</summary>
    public void Apply(RackPacket packet)
    {
        if (packet.Command is not (PacketCommand.Diff or PacketCommand.Full))
        {
            return;
        }

        Image image = GetOrCreate(new SourceKey(packet.SourceType, packet.SourceId));
        Interlocked.Increment(ref _changes);
        lock (image)
        {
            if (packet.Sequence >= 0)
            {
                if (image.LastSequence >= 0 && packet.Sequence != ((image.LastSequence + 1) & 0xFF))
                {
                    Interlocked.Increment(ref _gaps);
                }

                image.LastSequence = packet.Sequence;
            }

            if (packet.Command == PacketCommand.Full)
            {
                image.Clear();
            }

            ReadOnlySpan<ushort> control = packet.Control;
            ReadOnlySpan<ushort> data = packet.Data;
            for (int i = 0; i < control.Length; i++)
            {
                image.Set(control[i], data[i]);
            }
        }
    }

    /// <summary>Reads the registers named in <paramref name="offsets"/>; false (and zeros) for a source without an image.</summary>
    public bool Query(SourceKey source, ReadOnlySpan<ushort> offsets, Span<ushort> values)
    {
        Image? image;
        lock (_sourcesLock)
        {
            _images.TryGetValue(source, out image);
        }

        if (image is null)
        {
            values[..offsets.Length].Clear();
            return false;
        }

        lock (image)
        {
            for (int i = 0; i < offsets.Length; i++)
            {
                values[i] = image.Get(offsets[i]);
            }
        }

        return true;
    }

    /// <summary>
    /// Writes every image to <paramref name="path"/> with <see cref="Storage.ReplaceAtomically(string, Action{Stream}, bool)"/>
    /// (through <paramref name="storage"/>, the file system by default): a crash leaves either the old or the new file,
    /// never a mix. <paramref name="covers"/> is the raw-log position the images hold every frame before (and none
    /// after), stored with them; null when they come from elsewhere (a replay of part of a log).
    /// </summary>
    public void Save(string path, Storage? storage = null, RawLogPosition? covers = null) =>
        (storage ?? Storage.Default).ReplaceAtomically(path, Snapshot(covers).WriteTo);

    /// <summary>
    /// The images as they are now, with the raw-log position they cover, to be written to <c>image.bin</c> later, outside
    /// any lock (the caller holds the frames still while this runs). No register is copied: the snapshot shares the
    /// pages, and a page it shares is copied by the next write to it, so a save of a thousand sources' images costs the
    /// pages written meanwhile, not a second copy of every image.
    /// </summary>
    public ImagesSnapshot Snapshot(RawLogPosition? covers)
    {
        SourceKey[] sources = [.. Sources];
        var entries = new ImagesSnapshot.Entry[sources.Length];
        for (int i = 0; i < sources.Length; i++)
        {
            Image image = GetOrCreate(sources[i]);
            lock (image)
            {
                entries[i] = new ImagesSnapshot.Entry(sources[i], image.LastSequence, image.Share());
            }
        }

        return new ImagesSnapshot(covers, entries);
    }

    /// <summary>The images of a <see cref="Snapshot"/>, written in <c>image.bin</c>'s format (docs/formats.md).</summary>
    public sealed class ImagesSnapshot
    {
        private readonly RawLogPosition? _covers;
        private readonly Entry[] _entries;

        internal ImagesSnapshot(RawLogPosition? covers, Entry[] entries)
        {
            _covers = covers;
            _entries = entries;
        }

        /// <summary>Writes the file's bytes to <paramref name="file"/>.</summary>
        public void WriteTo(Stream file)
        {
            ArgumentNullException.ThrowIfNull(file);
            var crc = new Crc32();
            Span<byte> header = stackalloc byte[HeaderBytes];
            header.Clear();
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], FileVersion);
            BinaryPrimitives.WriteInt32LittleEndian(header[12..], _entries.Length);
            BinaryPrimitives.WriteInt32LittleEndian(header[16..], _covers?.File ?? -1);
            BinaryPrimitives.WriteInt64LittleEndian(header[24..], _covers?.Offset ?? -1);
            Append(file, crc, header);
            Span<byte> entry = stackalloc byte[16];
            foreach (Entry e in _entries)
            {
                uint mask = 0;
                for (int p = 0; p < Pages; p++)
                {
                    mask |= e.Pages[p] is null ? 0 : 1u << p;
                }

                entry.Clear();
                entry[0] = (byte)e.Source.Type;
                BinaryPrimitives.WriteInt32LittleEndian(entry[4..], e.Source.Id);
                BinaryPrimitives.WriteInt32LittleEndian(entry[8..], e.LastSequence);
                BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], mask);
                Append(file, crc, entry);
                foreach (ushort[]? page in e.Pages)
                {
                    if (page is not null)
                    {
                        Append(file, crc, MemoryMarshal.AsBytes(page.AsSpan()));
                    }
                }
            }

            Span<byte> tail = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(tail, crc.GetCurrentHashAsUInt32());
            file.Write(tail);
        }

        /// <summary>One source: its last sequence and its pages (null where none exists), none of which changes any more.</summary>
        internal readonly record struct Entry(SourceKey Source, int LastSequence, ushort[]?[] Pages);
    }

    /// <summary>
    /// Loads images saved by <see cref="Save"/> and returns the raw-log position they cover (null when the file does
    /// not say: version 1, or saved without one). A missing file loads nothing; a damaged one throws
    /// <see cref="InvalidDataException"/> naming the problem and leaves the images untouched.
    /// </summary>
    public RawLogPosition? Load(string path, Storage? storage = null)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        byte[] bytes = (storage ?? Storage.Default).ReadAllBytes(path);
        if (bytes.Length < 20 || !bytes.AsSpan(0, 8).SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path} is not a ParquetFlow image file");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        int headerBytes = version == 1 ? 16 : HeaderBytes;
        if (version is not (1 or 2 or FileVersion) || count < 0 || bytes.Length < headerBytes + 4)
        {
            throw new InvalidDataException($"{path}: version {version}, {count} sources, {bytes.Length} bytes");
        }

        // Versions 1 and 2 hold every register of every source; version 3 the pages that exist (a mask per source).
        long expected = headerBytes + ((long)count * (12 + ImageBytes)) + 4;
        if (version < 3 && bytes.Length != expected)
        {
            throw new InvalidDataException($"{path}: version {version}, {count} sources, {bytes.Length} bytes (expected {expected})");
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4));
        if (Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)) != stored)
        {
            throw new InvalidDataException($"{path}: checksum mismatch");
        }

        RawLogPosition? covers = null;
        if (version >= 2 && BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(16)) is int file and >= 0)
        {
            covers = new RawLogPosition(file, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(24)));
        }

        // Parsed whole before any image changes, so a file that lies about its sizes leaves the images untouched.
        var loaded = new List<(SourceKey Source, int LastSequence, uint Mask, int Offset)>(Math.Min(count, 1 << 16));
        long offset = headerBytes;
        long end = bytes.Length - 4;
        for (int i = 0; i < count; i++)
        {
            int entryBytes = version < 3 ? 12 : 16;
            if (offset + entryBytes > end)
            {
                throw new InvalidDataException($"{path}: source {i} of {count} is cut off at byte {offset}");
            }

            var source = new SourceKey((SourceType)bytes[offset], BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan((int)offset + 4)));
            int lastSequence = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan((int)offset + 8));
            uint mask = version < 3 ? uint.MaxValue : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)offset + 12));
            long length = (long)System.Numerics.BitOperations.PopCount(mask) * PageBytes;
            if (offset + entryBytes + length > end)
            {
                throw new InvalidDataException($"{path}: the registers of source {i} of {count} are cut off at byte {offset}");
            }

            loaded.Add((source, lastSequence, mask, (int)(offset + entryBytes)));
            offset += entryBytes + length;
        }

        if (offset != end)
        {
            throw new InvalidDataException($"{path}: {end - offset} bytes after the last of {count} sources");
        }

        Interlocked.Increment(ref _changes);
        foreach ((SourceKey source, int lastSequence, uint mask, int at) in loaded)
        {
            Image image = GetOrCreate(source);
            lock (image)
            {
                image.LastSequence = lastSequence;
                image.LoadPages(mask, bytes.AsSpan(at, System.Numerics.BitOperations.PopCount(mask) * PageBytes), dropZeroPages: version < 3);
            }
        }

        return covers;
    }

    private Image GetOrCreate(SourceKey source)
    {
        lock (_sourcesLock)
        {
            if (!_images.TryGetValue(source, out Image? image))
            {
                image = new Image();
                _images.Add(source, image);
            }

            return image;
        }
    }

    private static void Append(Stream file, Crc32 crc, ReadOnlySpan<byte> bytes)
    {
        crc.Append(bytes);
        file.Write(bytes);
    }

    /// <summary>One source's registers in pages made on first write (all under the image's lock).</summary>
    private sealed class Image
    {
        private readonly ushort[]?[] _pages = new ushort[Pages][];
        private uint _shared; // bit p: page p is in a snapshot, so it is copied before its next write

        public int LastSequence { get; set; } = -1;

        public ushort Get(ushort offset) => _pages[offset >> PageShift] is { } page ? page[offset & (PageRegisters - 1)] : (ushort)0;

        public void Set(ushort offset, ushort value)
        {
            int p = offset >> PageShift;
            ushort[] page = _pages[p] ??= new ushort[PageRegisters];
            if ((_shared & (1u << p)) != 0)
            {
                page = _pages[p] = (ushort[])page.Clone();
                _shared &= ~(1u << p);
            }

            page[offset & (PageRegisters - 1)] = value;
        }

        /// <summary>A FULL packet replaces the image: every register not in it reads 0 again (its pages are dropped).</summary>
        public void Clear()
        {
            Array.Clear(_pages);
            _shared = 0;
        }

        /// <summary>The pages as they are now, for a snapshot: from here on each is copied before it is written.</summary>
        public ushort[]?[] Share()
        {
            _shared = uint.MaxValue;
            return (ushort[]?[])_pages.Clone();
        }

        /// <summary>
        /// Replaces the image with the pages of <paramref name="mask"/> from <paramref name="pages"/> (in page order); with
        /// <paramref name="dropZeroPages"/> (versions 1 and 2 store every page) a page of zeros is not made. A version 3
        /// file's pages are kept as stored, zeros too, so a restarted collector saves what a replay of its log saves.
        /// </summary>
        public void LoadPages(uint mask, ReadOnlySpan<byte> pages, bool dropZeroPages)
        {
            Clear();
            int at = 0;
            for (int p = 0; p < Pages; p++)
            {
                if ((mask & (1u << p)) == 0)
                {
                    continue;
                }

                ReadOnlySpan<byte> bytes = pages.Slice(at, PageBytes);
                at += PageBytes;
                if (!dropZeroPages || bytes.ContainsAnyExcept((byte)0))
                {
                    ushort[] page = new ushort[PageRegisters];
                    bytes.CopyTo(MemoryMarshal.AsBytes(page.AsSpan()));
                    _pages[p] = page;
                }
            }
        }
    }
}
