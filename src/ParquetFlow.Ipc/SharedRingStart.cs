namespace ParquetFlow.Ipc;

/// <summary>Where a consumer that is new to a segment starts reading (a named consumer that attached before resumes at its cursor).</summary>
public enum SharedRingStart
{
    /// <summary>At <c>head</c>: only rows published from now on.</summary>
    Latest,

    /// <summary>At the oldest row still in the ring.</summary>
    Oldest,
}
