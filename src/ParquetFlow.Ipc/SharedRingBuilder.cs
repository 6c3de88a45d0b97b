// Options of a SharedRing (source document 002's builder) and the producer it creates or reattaches.
using System.Numerics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ParquetFlow.Ipc;

/// <summary>Describes a SharedRing segment and creates (or reattaches to) its producer. Not thread-safe; use once.</summary>
public sealed class SharedRingBuilder
{
    private readonly List<(string, SharedColumnType)> _columns = [];
    private long _rows = 1 << 16;
    private bool _locked;
    private bool _mlock;
    private bool _hugePages;
    private string? _directory;
    private ILogger _logger = NullLogger.Instance;

    /// <summary>A segment named <paramref name="name"/>: the file <c>/dev/shm/pqflow-NAME</c> (letters, digits, '_', '-', '.').</summary>
    public SharedRingBuilder(string name)
    {
        SharedRingLayout.ValidateName(name);
        Name = name;
    }

    /// <summary>The segment name.</summary>
    public string Name { get; }

    /// <summary>A builder with an existing segment's schema, capacity and mode: its <see cref="CreateProducer"/> reattaches.</summary>
    /// <exception cref="InvalidRingFileException">Not a SharedRing segment.</exception>
    public static SharedRingBuilder FromSegment(string name, string? directory = null)
    {
        SharedRingInfo info = SharedRing.Inspect(name, directory);
        var builder = new SharedRingBuilder(info.Name).Rows(info.Capacity).Locked(info.Locked);
        builder._directory = System.IO.Path.GetDirectoryName(info.Path);
        foreach (SharedRingColumn c in info.Schema.Columns)
        {
            builder.Column(c.Name, c.Type);
        }

        return builder;
    }

    /// <summary>Ring capacity in rows, rounded up to a power of two (default 65,536).</summary>
    public SharedRingBuilder Rows(long rows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, 1L << 40);
        _rows = (long)BitOperations.RoundUpToPowerOf2((ulong)rows);
        return this;
    }

    /// <summary>Adds a column; columns are laid out in the order added.</summary>
    public SharedRingBuilder Column(string name, SharedColumnType type)
    {
        _columns.Add((name, type));
        return this;
    }

    /// <summary>Locked mode: producer and consumers take a process-shared spin lock per row (default lock-free).</summary>
    public SharedRingBuilder Locked(bool locked = true)
    {
        _locked = locked;
        return this;
    }

    /// <summary>Pin the segment in RAM with mlock; a failure (RLIMIT_MEMLOCK) is reported in <see cref="SharedRingProducer.Notices"/>.</summary>
    public SharedRingBuilder Mlock(bool mlock = true)
    {
        _mlock = mlock;
        return this;
    }

    /// <summary>Try MAP_HUGETLB; without configured huge pages fall back to normal pages with madvise(MADV_HUGEPAGE) and say so in <see cref="SharedRingProducer.Notices"/>.</summary>
    public SharedRingBuilder HugePages(bool hugePages = true)
    {
        _hugePages = hugePages;
        return this;
    }

    /// <summary>Directory of the segment file (default <c>/dev/shm</c>; a hugetlbfs mount for real huge pages).</summary>
    public SharedRingBuilder Directory(string directory)
    {
        _directory = directory;
        return this;
    }

    /// <summary>
    /// Where the producer reports what <see cref="SharedRingProducer.Notices"/> holds: the segment created or reattached
    /// and mlock or huge pages granted (Information), a row recovered from a dead producer and mlock or huge pages refused
    /// (Warning); and a segment refused, damaged or with another layout or a live producer (Warning). Never called per
    /// row. Default none.
    /// </summary>
    public SharedRingBuilder Logger(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
        return this;
    }

    /// <summary>Creates the segment, or reattaches to an existing one whose producer is gone and whose schema and capacity match.</summary>
    /// <exception cref="SharedRingException">The segment exists with another schema or capacity, or its producer is still alive.</exception>
    public SharedRingProducer CreateProducer()
    {
        SharedRingSchema schema = SharedRingSchema.Create(_columns);
        uint flags = (_locked ? SharedRingLayout.FlagLocked : 0) | (_mlock ? SharedRingLayout.FlagMlock : 0) | (_hugePages ? SharedRingLayout.FlagHugePages : 0);
        return SharedRingProducer.CreateOrAttach(SharedRingLayout.PathFor(Name, _directory), schema, _rows, flags, _mlock, _hugePages, _logger);
    }
}
