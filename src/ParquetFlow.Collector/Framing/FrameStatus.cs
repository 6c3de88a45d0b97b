namespace ParquetFlow.Collector.Framing;

/// <summary>Outcome of trying to read one frame from received bytes.</summary>
public enum FrameStatus
{
    /// <summary>A whole frame was read and consumed.</summary>
    Complete,

    /// <summary>The bytes so far are a valid beginning; nothing was consumed.</summary>
    NeedMoreData,

    /// <summary>The bytes can never become a valid frame; the connection should be closed with the reason.</summary>
    Malformed,
}
