using System.Text.Encodings.Web;
using System.Text.Json;

namespace ParquetFlow.Cli;

/// <summary>
/// Writes a command's <c>--json</c> document to stdout: one indented JSON value and a newline, built with
/// <see cref="Utf8JsonWriter"/> (no reflection, so NativeAOT-safe). Non-ASCII text is kept as UTF-8, not escaped.
/// </summary>
public static class JsonOutput
{
    private static readonly JsonWriterOptions s_options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(Action<Utf8JsonWriter> write, Stream? output = null)
    {
        Console.Out.Flush();
        Stream stream = output ?? Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stream, s_options))
        {
            write(writer);
        }

        stream.WriteByte((byte)'\n');
        stream.Flush();
    }
}
