using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ParquetFlow.Parquet;
using ParquetFlow.Sink;

namespace ParquetFlow.Native;

/// <summary>
/// The exported C functions of include/parquet_flow.h. No exception crosses into C: every failure becomes a
/// <c>pqflow_error</c> and its text is kept for <c>pqflow_last_error</c>.
/// </summary>
internal static unsafe class CApi
{
    private const int Ok = 0;
    private const int ErrFull = 1;
    private const int ErrInvalid = 2;
    private const int ErrIo = 3;
    private const int ErrSchema = 4;

    private static readonly NativeSink s_noSink = new(new LogSinkOptions { FilePattern = "-" });

    [UnmanagedCallersOnly(EntryPoint = "pqflow_create")]
    public static int Create(nint* output, NativeConfig* config)
    {
        try
        {
            if (output is null || config is null)
            {
                return Fail(null, ErrInvalid, "pqflow_create: out and config must not be NULL");
            }

            *output = 0;
            string? path = config->FilePath == 0 ? null : Marshal.PtrToStringUTF8(config->FilePath);
            if (string.IsNullOrEmpty(path))
            {
                return Fail(null, ErrInvalid, "pqflow_create: config->file_path must be a non-empty path");
            }

            uint ring = config->RingBufferSize == 0 ? 1u << 24 : config->RingBufferSize;
            if (ring < 256 || ring > 1u << 30 || (ring & (ring - 1)) != 0)
            {
                return Fail(null, ErrInvalid, $"pqflow_create: ring_buffer_size {ring} is not a power of two between 256 and 2^30");
            }

            CompressionCodec? codec = NativeSink.Codec(config->Compression);
            if (codec is null)
            {
                return Fail(null, ErrInvalid, $"pqflow_create: unknown compression {config->Compression}");
            }

            if (config->Profile is not ((int)ParquetProfile.Compatible or (int)ParquetProfile.Compact))
            {
                return Fail(null, ErrInvalid, $"pqflow_create: unknown profile {config->Profile} (0 = PQFLOW_PROFILE_COMPATIBLE, 1 = PQFLOW_PROFILE_COMPACT)");
            }

            var options = new LogSinkOptions
            {
                Profile = (ParquetProfile)config->Profile,
                FilePattern = path,
                RingCapacityBytes = (int)ring,
                RowGroupRows = config->BatchSize == 0 ? 65_536 : (int)Math.Min(config->BatchSize, 1u << 24),
                MaxRowsPerFile = config->MaxRowsPerFile,
                MaxBytesPerFile = (long)Math.Min(config->MaxBytesPerFile, long.MaxValue),
                MaxFileAge = config->MaxFileSeconds == 0 ? null : TimeSpan.FromSeconds(config->MaxFileSeconds),
                RowGroupTimeout = TimeSpan.FromMilliseconds(config->FlushIntervalMs == 0 ? 1000 : config->FlushIntervalMs),
                Compression = codec.Value,
                CompressionLevel = config->CompressionLevel,
                MultiProducer = config->MultiProducer != 0,
                DurableRowGroups = config->NotDurable == 0,
                WriterCpu = config->WriterCpu > 0 ? config->WriterCpu - 1 : null,
            };
            *output = GCHandle.ToIntPtr(GCHandle.Alloc(new NativeSink(options)));
            return Ok;
        }
        catch (Exception e)
        {
            return Fail(null, ErrInvalid, "pqflow_create: " + e.Message);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "pqflow_set_schema")]
    public static int SetSchema(nint handle, NativeColumnDef* columns, uint count)
    {
        NativeSink? sink = Resolve(handle);
        if (sink is null)
        {
            return Fail(null, ErrInvalid, "pqflow_set_schema: sink is NULL");
        }

        try
        {
            if (sink.Sink is not null)
            {
                return Fail(sink, ErrInvalid, "pqflow_set_schema: the schema is already set");
            }

            if (columns is null || count == 0 || count > 4096)
            {
                return Fail(sink, ErrInvalid, "pqflow_set_schema: columns must point to 1..4096 column definitions");
            }

            var fields = new RecordField[count];
            for (int i = 0; i < count; i++)
            {
                NativeColumnDef def = columns[i];
                string? name = def.Name == 0 ? null : Marshal.PtrToStringUTF8(def.Name);
                if (string.IsNullOrEmpty(name))
                {
                    return Fail(sink, ErrInvalid, $"pqflow_set_schema: column {i} has no name");
                }

                bool nullable = def.Nullable != 0;
                RecordField? field = def.Type switch
                {
                    0 => RecordField.Boolean(name, nullable),
                    1 => RecordField.Int32(name, nullable),
                    2 => RecordField.Int64(name, nullable),
                    3 => RecordField.Int96(name, nullable),
                    4 => RecordField.Float(name, nullable),
                    5 => RecordField.Double(name, nullable),
                    6 => RecordField.ByteArray(name, nullable),
                    7 when def.TypeLength > 0 => RecordField.FixedBytes(name, def.TypeLength, nullable),
                    8 when def.TypeLength > 0 => RecordField.FixedString(name, def.TypeLength, nullable),
                    9 => RecordField.Timestamp(name, TimeUnit.Nanos, nullable),
                    10 => RecordField.ByteArray(name, nullable, LogicalType.String()),
                    _ => null,
                };
                if (field is null)
                {
                    return Fail(sink, ErrInvalid, $"pqflow_set_schema: column {name}: type {def.Type} with type_length {def.TypeLength} is not valid");
                }

                fields[i] = field;
            }

            sink.Sink = new LogSink(new RecordLayout(fields), sink.Options);
            return Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(sink, ErrIo, "pqflow_set_schema: " + e.Message);
        }
        catch (Exception e)
        {
            return Fail(sink, ErrInvalid, "pqflow_set_schema: " + e.Message);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "pqflow_log")]
    public static int Log(nint handle, byte* record, uint length) => LogCore(handle, record, length);

    [UnmanagedCallersOnly(EntryPoint = "pqflow_log_record")]
    public static int LogRecord(nint handle, byte* record, uint length) => LogCore(handle, record, length);

    [UnmanagedCallersOnly(EntryPoint = "pqflow_flush")]
    public static int Flush(nint handle)
    {
        NativeSink? sink = Resolve(handle);
        if (sink is null)
        {
            return Fail(null, ErrInvalid, "pqflow_flush: sink is NULL");
        }

        if (sink.Sink is null)
        {
            return Fail(sink, ErrSchema, "pqflow_flush: no schema set");
        }

        try
        {
            sink.Sink.Flush();
            return Ok;
        }
        catch (Exception e)
        {
            return Fail(sink, ErrIo, "pqflow_flush: " + e.Message);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "pqflow_destroy")]
    public static void Destroy(nint handle)
    {
        if (handle == 0)
        {
            return;
        }

        try
        {
            var gc = GCHandle.FromIntPtr(handle);
            (gc.Target as NativeSink)?.Sink?.Dispose();
            gc.Free();
        }
        catch (Exception e)
        {
            s_noSink.SetError("pqflow_destroy: " + e.Message);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "pqflow_last_error")]
    public static nint LastError(nint handle) => (Resolve(handle) ?? s_noSink).LastErrorPointer;

    [UnmanagedCallersOnly(EntryPoint = "pqflow_get_stats")]
    public static int GetStats(nint handle, NativeStats* output)
    {
        NativeSink? sink = Resolve(handle);
        if (sink is null || output is null)
        {
            return Fail(sink, ErrInvalid, "pqflow_get_stats: sink and out must not be NULL");
        }

        if (sink.Sink is null)
        {
            *output = default;
            return Ok;
        }

        LogSinkStatistics s = sink.Sink.Statistics;
        *output = new NativeStats
        {
            Logged = (ulong)s.Logged,
            Written = (ulong)s.Written,
            Dropped = (ulong)s.Dropped,
            Invalid = (ulong)s.Invalid,
            Lost = (ulong)s.Lost,
            Files = (ulong)s.Files,
            RowGroups = (ulong)s.RowGroups,
            Bytes = (ulong)s.Bytes,
        };
        return Ok;
    }

    [UnmanagedCallersOnly(EntryPoint = "pqflow_producer_open")]
    public static int ProducerOpen(nint handle, NativeProducer* output)
    {
        NativeSink? sink = Resolve(handle);
        if (sink is null || output is null)
        {
            return Fail(sink, ErrInvalid, "pqflow_producer_open: sink and out must not be NULL");
        }

        if (sink.Sink is null)
        {
            return Fail(sink, ErrSchema, "pqflow_producer_open: no schema set");
        }

        // Every address stays valid until pqflow_destroy: the slots are native memory freed by the sink's Dispose,
        // the control block and the runs live on the pinned object heap as long as the sink does.
        RecordRing ring = sink.Sink.Ring;
        RecordLayout layout = sink.Sink.Layout;
        RingControl* control = ring.Control;
        *output = new NativeProducer
        {
            Slots = (nint)ring.Slots,
            SlotCount = ring.SlotCount,
            SlotMask = ring.SlotCount - 1,
            Tail = (nint)(&control->Tail),
            Head = (nint)(&control->Head),
            Logged = (nint)(&control->Logged),
            CachedHead = 0,
            RecordLength = layout.FixedLength,
            MultiProducer = ring is MpscRing ? 1 : 0,
            MaxRecordLength = ring.MaxRecordLength,
            MinLength = layout.MinLength,
            Dropped = (nint)(&control->Dropped),
            Invalid = (nint)(&control->Invalid),
            Runs = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(layout.Runs)),
            RunCount = layout.Runs.Length,
        };
        return Ok;
    }

    [UnmanagedCallersOnly(EntryPoint = "pqflow_record_length")]
    public static int RecordLength(nint handle) => Resolve(handle)?.Sink?.Layout.FixedLength ?? -1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LogCore(nint handle, byte* record, uint length)
    {
        if (handle == 0 || record is null)
        {
            return ErrInvalid;
        }

        LogSink? sink = Unsafe.As<NativeSink>(GCHandle.FromIntPtr(handle).Target!).Sink;
        if (sink is null)
        {
            return ErrSchema;
        }

        // A length no span can hold is a wrong length like any other: refused and counted, as pqflow_log_fast does.
        return length > int.MaxValue ? (int)sink.Ring.CountInvalid() : (int)sink.TryLog(new ReadOnlySpan<byte>(record, (int)length));
    }

    private static NativeSink? Resolve(nint handle) => handle == 0 ? null : GCHandle.FromIntPtr(handle).Target as NativeSink;

    private static int Fail(NativeSink? sink, int code, string message)
    {
        (sink ?? s_noSink).SetError(message);
        return code;
    }
}
