using System.Globalization;
using ParquetFlow.Durability;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;

namespace ParquetFlow.Cli.Recording;

/// <summary>
/// The <see cref="LogSink"/> behind a command's OUTPUT (<c>shm record</c>, <c>demo --file</c>). OUTPUT holding
/// <c>{seq}</c> or <c>{utc}</c> is a file pattern, handed to the sink as it is. A plain path names one file (with
/// rotation, the first; later ones get <c>-000001</c>, <c>-000002</c>… before the extension): a finished file there is
/// replaced, removed when the sink starts, so the file written is exactly OUTPUT. Only when an interrupted run left
/// <c>OUTPUT.inprogress</c> is OUTPUT kept: the sink recovers that file under OUTPUT at start, and this run takes the
/// next free name. A plain path that ends with no row still gets its file (schema and metadata, no row group), as a
/// one-file writer leaves. One thread owns an instance.
/// </summary>
internal sealed class OutputSink : IDisposable
{
    private readonly Storage _storage;

    private OutputSink(LogSink sink, string output, string? firstFile, Storage storage)
    {
        Sink = sink;
        Output = output;
        FirstFile = firstFile;
        _storage = storage;
    }

    /// <summary>The sink; log records into it.</summary>
    public LogSink Sink { get; }

    /// <summary>OUTPUT as given: a path or a pattern.</summary>
    public string Output { get; }

    /// <summary>The exact name of the first file for a plain path (OUTPUT unless a recovered file kept that name); null for a pattern.</summary>
    public string? FirstFile { get; }

    /// <summary>The counters once <see cref="Complete"/> returned.</summary>
    public LogSinkStatistics Statistics { get; private set; }

    /// <summary>Whether <paramref name="output"/> is a file pattern rather than one file's path.</summary>
    public static bool IsPattern(string output) =>
        output.Contains("{seq}", StringComparison.Ordinal) || output.Contains("{utc}", StringComparison.Ordinal);

    /// <summary>
    /// Starts a sink on <see cref="LogSinkOptions.FilePattern"/> of <paramref name="options"/> (OUTPUT), after making
    /// room for a plain path; notes what it kept on <paramref name="error"/>. Throws <see cref="ArgumentException"/>
    /// when a plain OUTPUT is a directory, <see cref="IOException"/> when the old file cannot be removed.
    /// </summary>
    public static OutputSink Start(RecordLayout layout, LogSinkOptions options, string command, TextWriter error)
    {
        string output = options.FilePattern;
        if (IsPattern(output))
        {
            return new OutputSink(new LogSink(layout, options), output, null, options.Storage);
        }

        if (Directory.Exists(output))
        {
            throw new ArgumentException($"{output} is a directory: name a file, or a pattern with {{seq}} or {{utc}}");
        }

        bool interrupted = File.Exists(output + ParquetRecovery.InProgressSuffix);
        if (!interrupted && File.Exists(output))
        {
            options.Storage.DeleteDurably(output);
        }

        var sink = new LogSink(layout, options);
        string first = FirstFreeName(output);
        if (interrupted)
        {
            error.WriteLine($"pqflow {command}: {output}{ParquetRecovery.InProgressSuffix} was left by an interrupted run; {(File.Exists(output) ? $"recovered as {output}, which is kept" : "it is not recovered now")}; this run writes {first}");
        }

        return new OutputSink(sink, output, first, options.Storage);
    }

    /// <summary>
    /// Makes every logged record durable, completes the file and stops the sink. False, after saying why on
    /// <paramref name="error"/>, when a write or the completion failed or a record was not written (lost to a write
    /// error, dropped, invalid).
    /// </summary>
    public bool Complete(string command, TextWriter error)
    {
        bool ok = true;
        try
        {
            Sink.Flush();
        }
        catch (IOException e)
        {
            error.WriteLine($"pqflow {command}: {e.Message}");
            ok = false;
        }

        // No Flush is left to throw a failure completing the last file: it shows as a new last error.
        string? flushed = Sink.Statistics.LastError;
        Sink.Dispose();
        LogSinkStatistics s = Sink.Statistics;
        Statistics = s;
        if (ok && !ReferenceEquals(s.LastError, flushed))
        {
            error.WriteLine($"pqflow {command}: completing {FirstFile ?? Output} failed: {s.LastError}");
            ok = false;
        }

        long missing = s.Logged - s.Written + s.Dropped + s.Invalid;
        if (missing > 0)
        {
            error.WriteLine($"pqflow {command}: {missing} rows are not in the files ({s.Lost} lost to write errors, {s.Dropped} dropped on a full ring, {s.Invalid} invalid): {s.LastError}");
            ok = false;
        }

        if (ok && FirstFile is not null && s.Logged == 0)
        {
            // The sink opens a file for its first row only; a plain path promises its file, as a one-file writer leaves it.
            _storage.ReplaceAtomically(FirstFile, stream =>
            {
                using var writer = new ParquetFileWriter(stream, Sink.Layout.Schema, Sink.WriterOptions, leaveOpen: true);
                writer.Close();
            });
        }

        return ok;
    }

    /// <summary>Stops the sink (completing its file) when <see cref="Complete"/> was not reached.</summary>
    public void Dispose() => Sink.Dispose();

    /// <summary>
    /// The name the sink gives the first file of a plain path (<see cref="LogSinkOptions.FilePattern"/> without
    /// <c>{seq}</c>): the path itself, else the first of <c>-000001</c>, <c>-000002</c>… before the extension that
    /// neither a file nor a file in progress has.
    /// </summary>
    private static string FirstFreeName(string path)
    {
        string extension = Path.GetExtension(path);
        for (long sequence = 0; ; sequence++)
        {
            string name = sequence == 0 ? path : string.Concat(path.AsSpan(0, path.Length - extension.Length), "-", sequence.ToString("D6", CultureInfo.InvariantCulture), extension);
            if (!File.Exists(name) && !File.Exists(name + ParquetRecovery.InProgressSuffix))
            {
                return name;
            }
        }
    }
}
