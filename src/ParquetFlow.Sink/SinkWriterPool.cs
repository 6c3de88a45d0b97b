namespace ParquetFlow.Sink;

/// <summary>
/// Writer threads shared by many sinks (<see cref="LogSinkOptions.WriterPool"/>): a process with a thousand sinks (the
/// collector's partitions, one per source and date) runs a few writer threads instead of a thousand. Each sink is
/// served by one of the pool's threads for its whole life (the one with the fewest sinks when it was created), so a
/// sink's writer work stays single-threaded as the ring protocol needs; a thread passes over its sinks in turn (drain,
/// then whatever is due) and sleeps, from 1 ms doubling up to <see cref="MaxSleep"/>, only when a whole pass found
/// nothing to do. A producer that waits for room, a flush or a dispose wakes the sink's thread at once. A sink that
/// fails (its writer pass throws) stops alone; the thread goes on with the others. One sink's row-group write (an
/// encode and an fsync) delays the other sinks of its thread meanwhile: give the pool as many threads as writes should
/// overlap (fsyncs on a slow card, encoding on several cores). Dispose the sinks before the pool.
/// </summary>
public sealed class SinkWriterPool : IDisposable
{
    private readonly Worker[] _workers;
    private bool _disposed;
    private long _buffered; // bytes the served sinks' row-group buffers hold, as they last reported
    private int _served; // sinks attached and not yet stopped

    /// <summary>A pool of <paramref name="threads"/> writer threads, each sleeping at most <paramref name="maxSleep"/> (default 20 ms) between idle passes.</summary>
    public SinkWriterPool(int threads = 2, TimeSpan? maxSleep = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        MaxSleep = maxSleep ?? TimeSpan.FromMilliseconds(20);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSleep, TimeSpan.FromMilliseconds(1), nameof(maxSleep));
        _workers = new Worker[threads];
        for (int i = 0; i < threads; i++)
        {
            _workers[i] = new Worker(this, i);
        }
    }

    /// <summary>Writer threads in the pool.</summary>
    public int Threads => _workers.Length;

    /// <summary>The longest a thread sleeps when none of its sinks had anything to do.</summary>
    public TimeSpan MaxSleep { get; }

    /// <summary>
    /// The memory the row-group buffers of all the pool's sinks may hold together (default: no limit). Past it, a sink
    /// whose buffers hold more than its share (the budget divided by the sinks served) writes its rows as a row group at
    /// once and lets its buffers go, instead of waiting for a full row group or its timeout: a thousand collector
    /// partitions, each with a burst of rows, stay within the budget with row groups of their share each.
    /// </summary>
    public long BufferBudgetBytes { get; init; } = long.MaxValue;

    /// <summary>Bytes the row-group buffers of the pool's sinks hold now (as each last reported after a pass).</summary>
    public long BufferedBytes => Interlocked.Read(ref _buffered);

    /// <summary>A sink's change of its buffers' size.</summary>
    internal void AddBuffered(long bytes) => Interlocked.Add(ref _buffered, bytes);

    /// <summary>Whether a sink whose buffers hold <paramref name="bytes"/> must write its row group now to stay within <see cref="BufferBudgetBytes"/>.</summary>
    internal bool OverShare(long bytes) =>
        Interlocked.Read(ref _buffered) > BufferBudgetBytes && bytes >= BufferBudgetBytes / Math.Max(1, Volatile.Read(ref _served));

    /// <summary>A sink stopped (disposed and drained, or its writer died): it no longer counts in the shares.</summary>
    internal void Detached() => Interlocked.Decrement(ref _served);

    /// <summary>Sinks the pool serves now.</summary>
    public int Sinks
    {
        get
        {
            int sinks = 0;
            foreach (Worker worker in _workers)
            {
                sinks += worker.Count;
            }

            return sinks;
        }
    }

    /// <summary>Hands <paramref name="sink"/> to the thread with the fewest sinks; returns that thread's wake event.</summary>
    internal AutoResetEvent Attach(LogSink sink)
    {
        lock (_workers)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Worker least = _workers[0];
            foreach (Worker worker in _workers)
            {
                if (worker.Count < least.Count)
                {
                    least = worker;
                }
            }

            least.Add(sink);
            Interlocked.Increment(ref _served);
            return least.Wake;
        }
    }

    /// <summary>Stops the threads. Throws <see cref="InvalidOperationException"/> while sinks still use the pool (dispose them first).</summary>
    public void Dispose()
    {
        lock (_workers)
        {
            if (_disposed)
            {
                return;
            }

            if (Sinks != 0)
            {
                throw new InvalidOperationException($"{Sinks} sinks still write through this pool: dispose them first");
            }

            _disposed = true;
        }

        foreach (Worker worker in _workers)
        {
            worker.Stop();
        }
    }

    private sealed class Worker
    {
        private readonly SinkWriterPool _pool;
        private readonly Thread _thread;
        private readonly List<LogSink> _sinks = [];
        private LogSink[] _snapshot = [];
        private volatile bool _stop;

        public Worker(SinkWriterPool pool, int index)
        {
            _pool = pool;
            _thread = new Thread(Run) { IsBackground = true, Name = $"ParquetFlow sink writer {index}" };
            _thread.Start();
        }

        public AutoResetEvent Wake { get; } = new(false);

        /// <summary>Sinks this thread serves that are not done (a stopped one is forgotten at the thread's next pass).</summary>
        public int Count
        {
            get
            {
                lock (_sinks)
                {
                    return _sinks.Count(s => !s.IsStopped);
                }
            }
        }

        public void Add(LogSink sink)
        {
            lock (_sinks)
            {
                _sinks.Add(sink);
                _snapshot = [.. _sinks];
            }

            Wake.Set();
        }

        public void Stop()
        {
            _stop = true;
            Wake.Set();
            _thread.Join();
            Wake.Dispose();
        }

        private void Run()
        {
            int maxSleepMs = (int)Math.Max(1, _pool.MaxSleep.TotalMilliseconds);
            int sleepMs = 1;
            while (!_stop)
            {
                bool worked = false;
                bool waiting = false;
                foreach (LogSink sink in Volatile.Read(ref _snapshot))
                {
                    switch (sink.PoolPass())
                    {
                        case WriterPass.Worked:
                            worked = true;
                            break;
                        case WriterPass.Waiting:
                            waiting = true;
                            break;
                        case WriterPass.Stopped:
                            lock (_sinks)
                            {
                                _sinks.Remove(sink);
                                _snapshot = [.. _sinks];
                            }

                            break;
                    }
                }

                if (worked)
                {
                    sleepMs = 1;
                }
                else if (waiting)
                {
                    Thread.Yield();
                }
                else
                {
                    // Woken (a producer waits, a flush or a dispose asks): pass again at once and stay alert; else
                    // sleep longer each time, so a thread of quiet sinks wakes tens of times a second, not a thousand.
                    sleepMs = Wake.WaitOne(sleepMs) ? 1 : Math.Min(maxSleepMs, sleepMs * 2);
                }
            }
        }
    }
}
