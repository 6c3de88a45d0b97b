namespace ParquetFlow.Cli;

/// <summary>
/// Progress of a command that runs longer than a second, on stderr (stdout stays for results): on a terminal one line
/// redrawn in place with a bar when the total is known; redirected, a plain line at most every
/// <see cref="PlainInterval"/> so logs stay readable. Nothing is shown during the first <see cref="Delay"/>: a command
/// that is done by then (a small file recovered, a short replay) prints its result alone. Call <see cref="Report"/> as
/// often as convenient.
/// </summary>
public sealed class Progress : IDisposable
{
    private static readonly TimeSpan s_terminalInterval = TimeSpan.FromMilliseconds(200);
    private readonly string _label;
    private readonly TextWriter _output;
    private readonly bool _terminal;
    private readonly TimeProvider _clock;
    private readonly long _started;
    private long _lastReport = long.MinValue;
    private int _lastWidth;

    public Progress(string label, TextWriter? output = null, bool? terminal = null, TimeProvider? clock = null)
    {
        _label = label;
        _output = output ?? Console.Error;
        _terminal = terminal ?? (output is null && !Console.IsErrorRedirected);
        _clock = clock ?? TimeProvider.System;
        _started = _clock.GetTimestamp();
    }

    /// <summary>How long a command runs before its progress shows.</summary>
    public static TimeSpan Delay { get; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a redirected progress writes a line.</summary>
    public static TimeSpan PlainInterval { get; } = TimeSpan.FromSeconds(5);

    /// <summary>Shows <paramref name="done"/> of <paramref name="total"/> (null: unknown) and <paramref name="detail"/>, unless shown too recently.</summary>
    public void Report(double done, double? total, string detail)
    {
        long now = _clock.GetTimestamp();
        if (_clock.GetElapsedTime(_started, now) < Delay)
        {
            return;
        }

        TimeSpan interval = _terminal ? s_terminalInterval : PlainInterval;
        if (_lastReport != long.MinValue && _clock.GetElapsedTime(_lastReport, now) < interval)
        {
            return;
        }

        _lastReport = now;
        string line = Format(done, total, detail);
        if (_terminal)
        {
            _output.Write('\r' + line.PadRight(_lastWidth));
            _lastWidth = line.Length;
        }
        else
        {
            _output.WriteLine(line);
        }
    }

    /// <summary>
    /// An <see cref="IProgress{T}"/> of a count for a library call (<c>Replay.Run</c>, <c>ParquetRecovery.Recover</c>)
    /// that reports here synchronously (not <see cref="Progress{T}"/>, which posts to the thread pool, so reports could
    /// land out of order or after the command printed its result).
    /// </summary>
    public IProgress<long> Counter(long? total, Func<long, string> detail) => new CountReporter(this, total, detail);

    /// <summary>Ends the redrawn line on a terminal, so what follows starts on a line of its own.</summary>
    public void Dispose()
    {
        if (_terminal && _lastWidth > 0)
        {
            _output.WriteLine();
            _lastWidth = 0;
        }
    }

    internal string Format(double done, double? total, string detail)
    {
        if (total is not > 0)
        {
            return $"{_label}: {detail}";
        }

        double share = Math.Clamp(done / total.Value, 0, 1);
        if (!_terminal)
        {
            return $"{_label}: {share * 100:0}% {detail}";
        }

        const int Width = 24;
        int filled = (int)Math.Round(share * Width);
        return $"{_label} [{new string('#', filled)}{new string('.', Width - filled)}] {share * 100,3:0}% {detail}";
    }

    private sealed class CountReporter(Progress progress, long? total, Func<long, string> detail) : IProgress<long>
    {
        public void Report(long value) => progress.Report(value, total, detail(value));
    }
}
