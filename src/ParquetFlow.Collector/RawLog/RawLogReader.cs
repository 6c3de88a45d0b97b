using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using ParquetFlow.Durability;

namespace ParquetFlow.Collector.RawLog;

/// <summary>
/// Reads raw log files in order and yields every intact record. Damage (a checksum mismatch, a length that cannot be
/// right, a record cut off by a crash) does not end a file: the reader looks for the next intact record after it and
/// goes on from there, and reports what it skipped through <see cref="Problems"/> with the file, offset and length.
/// </summary>
public sealed class RawLogReader
{
    private readonly List<string> _problems = [];
    private readonly Storage _storage;

    /// <summary>A reader whose reads go through <paramref name="storage"/> (the file system by default).</summary>
    public RawLogReader(Storage? storage = null) => _storage = storage ?? Storage.Default;

    /// <summary>What was skipped and why, after enumeration.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>The raw log files of <paramref name="directory"/> in sequence order.</summary>
    public static IEnumerable<string> Files(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "log-*.bin").Where(f => SequenceOf(f) > 0).OrderBy(SequenceOf)
            : [];

    internal static int SequenceOf(string path)
    {
        string name = Path.GetFileNameWithoutExtension(path);
        return name.Length > 4 && int.TryParse(name.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 0;
    }

    /// <summary>Every intact record of every file in <paramref name="directory"/>, in the order they were written.</summary>
    public IEnumerable<RawLogRecord> Read(string directory) => Read(directory, RawLogPosition.Start);

    /// <summary>The intact records of <paramref name="directory"/> that <paramref name="after"/> does not cover, in order.</summary>
    public IEnumerable<RawLogRecord> Read(string directory, RawLogPosition after)
    {
        foreach (string file in Files(directory))
        {
            int sequence = SequenceOf(file);
            if (sequence < after.File)
            {
                continue;
            }

            foreach (RawLogRecord record in ReadFile(file))
            {
                if (!after.Covers(sequence, record.Offset))
                {
                    yield return record;
                }
            }
        }
    }

    /// <summary>Every intact record of one file.</summary>
    public IEnumerable<RawLogRecord> ReadFile(string path)
    {
        byte[] bytes = _storage.ReadAllBytes(path);
        if (bytes.Length < RawLogWriter.FileHeaderSize || !bytes.AsSpan(0, 8).SequenceEqual(RawLogWriter.Magic))
        {
            _problems.Add($"{path}: not a raw log file");
            yield break;
        }

        long offset = RawLogWriter.FileHeaderSize;
        while (offset < bytes.Length)
        {
            if (IntactAt(bytes, offset) is int length)
            {
                long receive = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan((int)offset + 4));
                FramingKind framing = (FramingKind)bytes[(int)offset + 12];
                bool byReceiveTime = (bytes[(int)offset + 13] & RawLogWriter.PartitionByReceiveTimeFlag) != 0;
                yield return new RawLogRecord(bytes.AsMemory((int)offset + RawLogWriter.RecordHeaderSize, length), framing, receive, path, offset, byReceiveTime);
                offset += RawLogWriter.RecordHeaderSize + length + 4;
                continue;
            }

            // Damage: resynchronize at the next offset where an intact record starts (its checksum, framing byte and
            // reserved bytes all agree), so one bad record never hides the good ones after it.
            long damaged = offset;
            offset++;
            while (offset < bytes.Length && IntactAt(bytes, offset) is null)
            {
                offset++;
            }

            _problems.Add(offset < bytes.Length
                ? $"{path}: {offset - damaged} damaged bytes at byte {damaged} skipped; reading resumed at the intact record at byte {offset}"
                : $"{path}: {offset - damaged} bytes at byte {damaged} to the end are no intact record (cut off by a crash, or damaged); skipped");
        }
    }

    /// <summary>The frame length of the intact record starting at <paramref name="offset"/>, or null when none starts there.</summary>
    private static int? IntactAt(byte[] bytes, long offset)
    {
        if (bytes.Length - offset < RawLogWriter.RecordHeaderSize + 4)
        {
            return null;
        }

        ReadOnlySpan<byte> header = bytes.AsSpan((int)offset, RawLogWriter.RecordHeaderSize);
        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 0 || offset + RawLogWriter.RecordHeaderSize + length + 4 > bytes.Length
            || header[12] > (byte)FramingKind.Packet || (header[13] & ~RawLogWriter.PartitionByReceiveTimeFlag) != 0 || header[14] != 0 || header[15] != 0)
        {
            return null;
        }

        ReadOnlySpan<byte> covered = bytes.AsSpan((int)offset + 4, RawLogWriter.RecordHeaderSize - 4 + length);
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)(offset + RawLogWriter.RecordHeaderSize + length)));
        return Crc32.HashToUInt32(covered) == stored ? length : null;
    }
}
