using System.Text;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;

namespace ParquetFlow.Native;

/// <summary>What a <c>pqflow_sink_t</c> points at (through a GCHandle): the configuration until the schema arrives, then the sink.</summary>
internal sealed class NativeSink
{
    private byte[] _lastError = GC.AllocateArray<byte>(1, pinned: true);

    public NativeSink(LogSinkOptions options) => Options = options;

    public LogSinkOptions Options { get; }

    public LogSink? Sink { get; set; }

    /// <summary>NUL-terminated UTF-8 text of the last error; pinned by the caller's use through <see cref="LastErrorPointer"/>.</summary>
    public unsafe nint LastErrorPointer
    {
        get
        {
            fixed (byte* p = _lastError)
            {
                // The array lives in the pinned object heap, so the pointer stays valid after this returns.
                return (nint)p;
            }
        }
    }

    public void SetError(string message)
    {
        byte[] text = GC.AllocateArray<byte>(Encoding.UTF8.GetByteCount(message) + 1, pinned: true);
        Encoding.UTF8.GetBytes(message, text);
        _lastError = text;
    }

    public static CompressionCodec? Codec(int value) => value switch
    {
        0 => CompressionCodec.Uncompressed,
        1 => CompressionCodec.Snappy,
        2 => CompressionCodec.Gzip,
        6 => CompressionCodec.Zstd,
        7 => CompressionCodec.Lz4Raw,
        _ => null,
    };
}
