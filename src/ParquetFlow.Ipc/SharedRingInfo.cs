namespace ParquetFlow.Ipc;

/// <summary>A snapshot of a SharedRing segment's header and consumer table (what <c>pqflow shm stats</c> prints).</summary>
/// <param name="Name">Segment name.</param>
/// <param name="Path">Segment file.</param>
/// <param name="Schema">Row layout.</param>
/// <param name="SchemaJson">The schema JSON as stored in the header.</param>
/// <param name="Capacity">Rows the ring holds.</param>
/// <param name="SegmentSize">Bytes of the segment file.</param>
/// <param name="Locked">Locked mode (else lock-free).</param>
/// <param name="Head">Rows published so far.</param>
/// <param name="ProducerPid">Pid of the last producer to attach.</param>
/// <param name="Producer">Its status.</param>
/// <param name="Generation">Producer attaches so far.</param>
/// <param name="Consumers">Registered named consumers.</param>
public sealed record SharedRingInfo(
    string Name,
    string Path,
    SharedRingSchema Schema,
    string SchemaJson,
    long Capacity,
    long SegmentSize,
    bool Locked,
    long Head,
    int ProducerPid,
    ProducerStatus Producer,
    ulong Generation,
    IReadOnlyList<SharedRingConsumerInfo> Consumers);

/// <summary>One named consumer of a segment.</summary>
/// <param name="Name">Consumer name.</param>
/// <param name="Pid">Attached pid, 0 when detached.</param>
/// <param name="Alive">The attached pid exists.</param>
/// <param name="Cursor">Next sequence it reads.</param>
/// <param name="Lost">Rows it lost to being lapped.</param>
public sealed record SharedRingConsumerInfo(string Name, int Pid, bool Alive, long Cursor, long Lost);
