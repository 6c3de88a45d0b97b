using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using ParquetFlow.Durability;

namespace ParquetFlow.Collector.RawLog;

/// <summary>
/// Reads raw log files in order and yields every intact record. A record cut off at the end of a file (a crash while
/// writing) ends that file quietly; a checksum mismatch anywhere ends the file too, since its length can no longer be
/// trusted, and is reported through <see cref="Problems"/> with the file and offset.
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
    public IEnumerable<RawLogRecord> Read(string directory)
    {
        foreach (string file in Files(directory))
        {
            foreach (RawLogRecord record in ReadFile(file))
            {
                yield return record;
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
            if (bytes.Length - offset < RawLogWriter.RecordHeaderSize + 4)
            {
                _problems.Add($"{path}: record at byte {offset} is cut off (a crash while writing)");
                yield break;
            }

            int length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan((int)offset));
            if (length < 0 || offset + RawLogWriter.RecordHeaderSize + length + 4 > bytes.Length)
            {
                _problems.Add($"{path}: record at byte {offset} is cut off or its length {length} is damaged");
                yield break;
            }

            ReadOnlySpan<byte> covered = bytes.AsSpan((int)offset + 4, RawLogWriter.RecordHeaderSize - 4 + length);
            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)(offset + RawLogWriter.RecordHeaderSize + length)));
            if (Crc32.HashToUInt32(covered) != stored)
            {
                _problems.Add($"{path}: checksum mismatch in the record at byte {offset}; the rest of the file is skipped");
                yield break;
            }

            long receive = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan((int)offset + 4));
            FramingKind framing = (FramingKind)bytes[(int)offset + 12];
            bool byReceiveTime = (bytes[(int)offset + 13] & RawLogWriter.PartitionByReceiveTimeFlag) != 0;
            yield return new RawLogRecord(bytes.AsMemory((int)offset + RawLogWriter.RecordHeaderSize, length), framing, receive, path, offset, byReceiveTime);
            offset += RawLogWriter.RecordHeaderSize + length + 4;
        }
    }
}
