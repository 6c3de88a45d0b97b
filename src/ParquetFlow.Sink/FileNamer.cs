using System.Globalization;
using System.Text.RegularExpressions;

namespace ParquetFlow.Sink;

/// <summary>
/// Turns <see cref="LogSinkOptions.FilePattern"/> into file names, skipping names already taken. With <c>{seq}</c> in
/// the pattern, numbering continues after the highest sequence number already in the directory, so a sink reopened on
/// the same directory (after a restart, or when a collector reopens a partition) never sorts a new file before an old one.
/// </summary>
internal sealed class FileNamer
{
    private readonly string _pattern;
    private long _sequence;

    public FileNamer(string pattern)
    {
        _pattern = pattern;
        // Only a {seq} in the file name is numbered from what is there; one in a directory part names a new directory.
        if (Path.GetFileName(pattern).Contains("{seq}", StringComparison.Ordinal) && System.IO.Directory.Exists(Directory))
        {
            _sequence = HighestSequence() + 1;
        }
    }

    public string Directory => Path.GetDirectoryName(Path.GetFullPath(Format(0, DateTime.UnixEpoch))) ?? ".";

    public string Next(DateTime utc)
    {
        while (true)
        {
            string path = Format(_sequence++, utc);
            if (!File.Exists(path) && !File.Exists(path + ParquetRecovery.InProgressSuffix))
            {
                return path;
            }
        }
    }

    /// <summary>The highest <c>{seq}</c> among the directory's files (finished or in progress) that match the pattern; -1 when none.</summary>
    private long HighestSequence()
    {
        string name = Path.GetFileName(_pattern);
        string expression = "^" + Regex.Escape(name)
            .Replace(Regex.Escape("{seq}"), "(?<seq>[0-9]{6,18})", StringComparison.Ordinal)
            .Replace(Regex.Escape("{utc}"), "[0-9]{8}T[0-9]{9}Z", StringComparison.Ordinal)
            + "(" + Regex.Escape(ParquetRecovery.InProgressSuffix) + ")?$";
        var regex = new Regex(expression, RegexOptions.CultureInvariant);
        long highest = -1;
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory))
        {
            Match match = regex.Match(Path.GetFileName(file));
            if (match.Success)
            {
                highest = Math.Max(highest, long.Parse(match.Groups["seq"].ValueSpan, CultureInfo.InvariantCulture));
            }
        }

        return highest;
    }

    private string Format(long sequence, DateTime utc)
    {
        string seq = sequence.ToString("D6", CultureInfo.InvariantCulture);
        string name = _pattern.Replace("{utc}", utc.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture), StringComparison.Ordinal);
        if (name.Contains("{seq}", StringComparison.Ordinal))
        {
            return name.Replace("{seq}", seq, StringComparison.Ordinal);
        }

        if (sequence == 0)
        {
            return name;
        }

        string extension = Path.GetExtension(name);
        return string.Concat(name.AsSpan(0, name.Length - extension.Length), "-", seq, extension);
    }
}
