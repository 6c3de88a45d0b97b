// Discovery and inspection of SharedRing segments without attaching as producer or consumer.
using System.Text;
using ParquetFlow.Ipc.Interop;
using static ParquetFlow.Ipc.SharedRingLayout;

namespace ParquetFlow.Ipc;

/// <summary>Finds, inspects and removes SharedRing segments (files named <c>pqflow-NAME</c> in <c>/dev/shm</c>).</summary>
public static class SharedRing
{
    /// <summary>The file of segment <paramref name="name"/> in <paramref name="directory"/> (default /dev/shm); a path is returned as is.</summary>
    public static string PathFor(string name, string? directory = null) => SharedRingLayout.PathFor(name, directory);

    /// <summary>Reads the header and consumer table of a segment.</summary>
    /// <exception cref="InvalidRingFileException">Not a SharedRing segment.</exception>
    public static unsafe SharedRingInfo Inspect(string name, string? directory = null)
    {
        using SharedRingSegment segment = SharedRingSegment.Open(PathFor(name, directory));
        var consumers = new List<SharedRingConsumerInfo>();
        for (int i = 0; i < MaxConsumers; i++)
        {
            byte* entry = segment.ConsumerEntry(i);
            if (Volatile.Read(ref *(uint*)(entry + ConsumerStateOffset)) != 1)
            {
                continue;
            }

            var field = new ReadOnlySpan<byte>(entry + ConsumerNameOffset, MaxConsumerNameBytes);
            int length = field.IndexOf((byte)0);
            int pid = Volatile.Read(ref *(int*)(entry + ConsumerPidOffset));
            consumers.Add(new SharedRingConsumerInfo(
                Encoding.UTF8.GetString(field[..(length < 0 ? MaxConsumerNameBytes : length)]),
                pid,
                Posix.ProcessExists(pid),
                Volatile.Read(ref *(long*)(entry + ConsumerCursorOffset)),
                Volatile.Read(ref *(long*)(entry + ConsumerLostOffset))));
        }

        return new SharedRingInfo(
            NameOf(segment.Path),
            segment.Path,
            segment.Schema,
            segment.SchemaJson,
            segment.Capacity,
            segment.Mapping.Length,
            segment.Locked,
            Volatile.Read(ref segment.Head),
            Volatile.Read(ref segment.ProducerPid),
            segment.GetProducerStatus(),
            Volatile.Read(ref segment.Generation),
            consumers);
    }

    /// <summary>Every valid segment in <paramref name="directory"/> (default /dev/shm); files that are not segments are skipped.</summary>
    public static IReadOnlyList<SharedRingInfo> List(string? directory = null)
    {
        var found = new List<SharedRingInfo>();
        string dir = directory ?? DefaultDirectory;
        if (!Directory.Exists(dir))
        {
            return found;
        }

        foreach (string path in Directory.EnumerateFiles(dir, FilePrefix + "*").Order(StringComparer.Ordinal))
        {
            if (path.Contains(".tmp.", StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                found.Add(Inspect(path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    /// <summary>Deletes the segment file; processes that have it mapped keep their mapping.</summary>
    public static bool Remove(string name, string? directory = null)
    {
        string path = PathFor(name, directory);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }
}
