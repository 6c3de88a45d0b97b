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
/// </summary>
public sealed class RegisterImages
{
    private static ReadOnlySpan<byte> Magic => "PQFIMG01"u8;
    private const int FileVersion = 2;
    private const int HeaderBytes = 32;
    private const int ImageBytes = RackPacket.MaxRegisters * sizeof(ushort);

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
                Array.Clear(image.Registers);
            }

            ReadOnlySpan<ushort> control = packet.Control;
            ReadOnlySpan<ushort> data = packet.Data;
            ushort[] registers = image.Registers;
            for (int i = 0; i < control.Length; i++)
            {
                registers[control[i]] = data[i];
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
                values[i] = image.Registers[offsets[i]];
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
        (storage ?? Storage.Default).ReplaceAtomically(path, file => WriteTo(file, covers));

    /// <summary>The content <see cref="Save"/> writes, taken now (the caller holds the frames still while it runs).</summary>
    public byte[] Snapshot(RawLogPosition? covers)
    {
        using var memory = new MemoryStream();
        WriteTo(memory, covers);
        return memory.ToArray();
    }

    private void WriteTo(Stream file, RawLogPosition? covers)
    {
        var crc = new Crc32();
        SourceKey[] sources = [.. Sources];
        Span<byte> header = stackalloc byte[HeaderBytes];
        header.Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], FileVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], sources.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], covers?.File ?? -1);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], covers?.Offset ?? -1);
        Append(file, crc, header);
        byte[] copy = new byte[ImageBytes];
        Span<byte> entry = stackalloc byte[12];
        foreach (SourceKey source in sources)
        {
            Image image = GetOrCreate(source);
            lock (image)
            {
                MemoryMarshal.AsBytes(image.Registers.AsSpan()).CopyTo(copy);
                entry.Clear();
                entry[0] = (byte)source.Type;
                BinaryPrimitives.WriteInt32LittleEndian(entry[4..], source.Id);
                BinaryPrimitives.WriteInt32LittleEndian(entry[8..], image.LastSequence);
            }

            Append(file, crc, entry);
            Append(file, crc, copy);
        }

        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(tail, crc.GetCurrentHashAsUInt32());
        file.Write(tail);
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
        long expected = headerBytes + ((long)count * (12 + ImageBytes)) + 4;
        if (version is not (1 or FileVersion) || count < 0 || bytes.Length != expected)
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

        int offset = headerBytes;
        Interlocked.Increment(ref _changes);
        for (int i = 0; i < count; i++)
        {
            var source = new SourceKey((SourceType)bytes[offset], BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset + 4)));
            Image image = GetOrCreate(source);
            lock (image)
            {
                image.LastSequence = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset + 8));
                bytes.AsSpan(offset + 12, ImageBytes).CopyTo(MemoryMarshal.AsBytes(image.Registers.AsSpan()));
            }

            offset += 12 + ImageBytes;
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

    private sealed class Image
    {
        public ushort[] Registers { get; } = new ushort[RackPacket.MaxRegisters];

        public int LastSequence { get; set; } = -1;
    }
}
