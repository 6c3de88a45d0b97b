namespace ParquetFlow.Sink;

/// <summary>What one pass of a sink's writer did (<see cref="LogSink"/>; dedicated thread or <see cref="SinkWriterPool"/>).</summary>
internal enum WriterPass
{
    /// <summary>Drained records or wrote something: pass again soon.</summary>
    Worked,

    /// <summary>Waits for producers to publish records they claimed (a flush or the stop needs them): yield, then pass again.</summary>
    Waiting,

    /// <summary>Nothing to do: sleep until woken or until the idle wait passes.</summary>
    Idle,

    /// <summary>The sink is done (disposed and drained, or its writer died): no more passes.</summary>
    Stopped,
}
