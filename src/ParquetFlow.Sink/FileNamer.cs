using System.Globalization;

namespace ParquetFlow.Sink;

/// <summary>Turns <see cref="LogSinkOptions.FilePattern"/> into file names, skipping names already taken.</summary>
internal sealed class FileNamer(string pattern)
{
    private long _sequence;

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

    private string Format(long sequence, DateTime utc)
    {
        string seq = sequence.ToString("D6", CultureInfo.InvariantCulture);
        string name = pattern.Replace("{utc}", utc.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture), StringComparison.Ordinal);
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
