using System.Runtime.InteropServices;

namespace ParquetFlow.Native;

/// <summary><c>pqflow_column_def</c> (include/parquet_flow.h).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeColumnDef
{
    public nint Name;
    public int Type;
    public int TypeLength;
    public int Nullable;
}

/// <summary><c>pqflow_config</c> (include/parquet_flow.h); fields after <c>compression</c> extend the document's struct.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeConfig
{
    public nint FilePath;
    public uint RingBufferSize;
    public uint BatchSize;
    public uint MaxRowsPerFile;
    public int Compression;
    public ulong MaxBytesPerFile;
    public uint MaxFileSeconds;
    public uint FlushIntervalMs;
    public int MultiProducer;
    public int CompressionLevel;
    public int NotDurable;
    public int WriterCpu;
    public int Profile;
}

/// <summary><c>pqflow_stats</c> (include/parquet_flow.h).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeStats
{
    public ulong Logged;
    public ulong Written;
    public ulong Dropped;
    public ulong Invalid;
    public ulong Lost;
    public ulong Files;
    public ulong RowGroups;
    public ulong Bytes;
}

/// <summary><c>pqflow_producer</c> (include/parquet_flow.h): what <c>pqflow_log_fast</c> needs to write into a sink's ring from C.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeProducer
{
    public nint Slots;
    public long SlotCount;
    public long SlotMask;
    public nint Tail;
    public nint Head;
    public nint Logged;
    public long CachedHead;
    public int RecordLength;
    public int MultiProducer;
    public int MaxRecordLength;
    public int MinLength;
    public nint Dropped;
    public nint Invalid;
    public nint Runs;
    public int RunCount;
    public int Reserved;
}
