using ParquetFlow.Collector.RawLog;
using ParquetFlow.Durability;

namespace ParquetFlow.Collector.Retention;

/// <summary>What one pass of <see cref="DataRetention"/> deleted, and whether the free-space watermark was met.</summary>
/// <param name="FilesByAge">Files deleted because they were older than the maximum age.</param>
/// <param name="FilesForSpace">Files deleted to get back above the free-space watermark.</param>
/// <param name="Bytes">Their bytes.</param>
/// <param name="WatermarkMet">False when every file that may be deleted is gone and the disk is still below the watermark.</param>
public readonly record struct RetentionResult(int FilesByAge, int FilesForSpace, long Bytes, bool WatermarkMet);

/// <summary>
/// Applies <see cref="RetentionOptions"/> to a collector's data directory: <c>raw/log-NNNNNN.bin</c> (all but the
/// highest-numbered, which the writer appends to) and <c>parquet/**/*.parquet</c> (finished files only), by age of
/// their last write, then oldest first while the file system is below the watermark; empty partition directories go
/// too. One <see cref="Apply"/> at a time (the collector's flusher); the counters may be read from any thread.
/// </summary>
public sealed class DataRetention(string dataDirectory, RetentionOptions options, Storage? storage = null, TimeProvider? clock = null)
{
    private readonly Storage _storage = storage ?? Storage.Default;
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    private long _filesDeleted;
    private long _bytesDeleted;

    /// <summary>Files deleted so far (read from any thread; 64-bit reads are not atomic on 32-bit ARM, hence Interlocked).</summary>
    public long FilesDeleted => Interlocked.Read(ref _filesDeleted);

    /// <summary>Bytes deleted so far.</summary>
    public long BytesDeleted => Interlocked.Read(ref _bytesDeleted);

    /// <summary>One pass of both rules.</summary>
    public RetentionResult Apply()
    {
        List<FileInfo> candidates = Candidates();
        candidates.Sort((a, b) => a.LastWriteTimeUtc.CompareTo(b.LastWriteTimeUtc));
        int byAge = 0;
        int forSpace = 0;
        long bytes = 0;
        int next = 0;
        if (options.MaxAge is { } maxAge)
        {
            DateTime cutoff = _clock.GetUtcNow().UtcDateTime - maxAge;
            for (; next < candidates.Count && candidates[next].LastWriteTimeUtc < cutoff; next++)
            {
                bytes += Delete(candidates[next]);
                byAge++;
            }
        }

        bool met = true;
        long watermark = Watermark();
        if (watermark > 0)
        {
            long available = _storage.AvailableBytes(dataDirectory);
            for (; available < watermark && next < candidates.Count; next++)
            {
                long freed = Delete(candidates[next]);
                available += freed;
                bytes += freed;
                forSpace++;
            }

            met = available >= watermark || _storage.AvailableBytes(dataDirectory) >= watermark;
        }

        if (byAge + forSpace > 0)
        {
            RemoveEmptyPartitions(Path.Combine(dataDirectory, "parquet"));
        }

        Interlocked.Add(ref _filesDeleted, byAge + forSpace);
        Interlocked.Add(ref _bytesDeleted, bytes);
        return new RetentionResult(byAge, forSpace, bytes, met);
    }

    /// <summary>The free bytes the watermark asks for (0: off).</summary>
    public long Watermark()
    {
        long fraction = options.MinFreeFraction > 0 ? (long)(options.MinFreeFraction * _storage.TotalBytes(dataDirectory)) : 0;
        return Math.Max(options.MinFreeBytes, fraction);
    }

    private List<FileInfo> Candidates()
    {
        var files = new List<FileInfo>();
        string raw = Path.Combine(dataDirectory, "raw");
        if (Directory.Exists(raw))
        {
            // The highest-numbered file is the one the writer appends to (and a new one after a failed fsync is higher).
            string[] logs = [.. RawLogReader.Files(raw)];
            for (int i = 0; i < logs.Length - 1; i++)
            {
                files.Add(new FileInfo(logs[i]));
            }
        }

        string parquet = Path.Combine(dataDirectory, "parquet");
        if (Directory.Exists(parquet))
        {
            // A sink writes FILE.parquet.inprogress (and its journal) until the file is complete: only *.parquet is finished.
            foreach (string file in Directory.EnumerateFiles(parquet, "*.parquet", SearchOption.AllDirectories))
            {
                files.Add(new FileInfo(file));
            }
        }

        return files;
    }

    private long Delete(FileInfo file)
    {
        long length;
        try
        {
            length = file.Length;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }

        _storage.Delete(file.FullName);
        return length;
    }

    private static void RemoveEmptyPartitions(string parquet)
    {
        if (!Directory.Exists(parquet))
        {
            return;
        }

        foreach (string source in Directory.GetDirectories(parquet))
        {
            foreach (string date in Directory.GetDirectories(source))
            {
                TryRemoveEmpty(date);
            }

            TryRemoveEmpty(source);
        }
    }

    private static void TryRemoveEmpty(string directory)
    {
        try
        {
            if (!Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }
        catch (IOException)
        {
            // A writer opened the partition again meanwhile: it stays.
        }
    }
}
