using System.Runtime.InteropServices;
using System.Text;
using ParquetFlow.Native;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>The C API (ss_*) called the way C calls it: through unmanaged function pointers, with C memory.</summary>
public sealed unsafe class ExportsTests
{
    [Fact]
    public void C_api_runs_the_document_sequence_on_both_profiles()
    {
        // One process-wide system at a time: both profiles in one test, one after the other.
        var init = (delegate* unmanaged[Cdecl]<SsInitCfg*, int>)&SensorStoreExports.InitSystem;
        var sensorInit = (delegate* unmanaged[Cdecl]<uint, int, nint*, int>)&SensorStoreExports.SensorInit;
        var sensorInitSource = (delegate* unmanaged[Cdecl]<byte, uint, int, nint*, int>)&SensorStoreExports.SensorInitSource;
        var tsAdd = (delegate* unmanaged[Cdecl]<nint, uint, int>)&SensorStoreExports.TsAdd;
        var evtAdd = (delegate* unmanaged[Cdecl]<nint, uint, ulong, int>)&SensorStoreExports.EvtAdd;
        var total = (delegate* unmanaged[Cdecl]<nint, ulong*, int>)&SensorStoreExports.GetTotalRecords;
        var unsent = (delegate* unmanaged[Cdecl]<nint, ulong*, int>)&SensorStoreExports.GetUnsentCount;
        var diag = (delegate* unmanaged[Cdecl]<nint, ulong, byte*, int>)&SensorStoreExports.DiagReadAt;
        var next = (delegate* unmanaged[Cdecl]<nint, byte*, int>)&SensorStoreExports.ConsumeNext;
        var batch = (delegate* unmanaged[Cdecl]<nint, byte*, uint, uint*, int>)&SensorStoreExports.ConsumeBatch;
        var erase = (delegate* unmanaged[Cdecl]<nint, int>)&SensorStoreExports.EraseAllPending;
        var tick = (delegate* unmanaged[Cdecl]<void>)&SensorStoreExports.ManagerTick;
        var flush = (delegate* unmanaged[Cdecl]<uint, int>)&SensorStoreExports.FlushForShutdown;
        var dump = (delegate* unmanaged[Cdecl]<byte, uint, byte*, uint, int>)&SensorStoreExports.DumpStats;
        var shutdown = (delegate* unmanaged[Cdecl]<int>)&SensorStoreExports.ShutdownSystem;

        // STM32: RAM only.
        SsInitCfg cfg = default;
        Assert.Equal(0, init(&cfg));
        Assert.Equal(-17, init(&cfg)); // -EEXIST
        nint ts;
        nint ev;
        Assert.Equal(0, sensorInit(1, 1, &ts));
        Assert.Equal(0, sensorInitSource(2, 1, 2, &ev)); // can/1, event
        Assert.Equal(-22, sensorInitSource(9, 1, 1, &ev)); // bad source
        Assert.Equal(-22, evtAdd(ts, 1, 1)); // wrong kind
        for (uint v = 0; v < 70; v++)
        {
            Assert.Equal(0, tsAdd(ts, v));
        }
        Assert.Equal(0, evtAdd(ev, 5, 1_700_000_000_000));
        ulong n;
        Assert.Equal(0, total(ts, &n));
        Assert.Equal(70ul, n);
        byte* rec = stackalloc byte[12];
        Assert.Equal(0, diag(ts, 69, rec));
        Assert.Equal(69u, *(uint*)rec);
        Assert.Equal(-34, diag(ts, 70, rec)); // -ERANGE
        Assert.Equal(0, next(ev, rec));
        Assert.Equal((5u, 1_700_000_000_000ul), (*(uint*)rec, *(ulong*)(rec + 4)));
        Assert.Equal(-11, next(ev, rec)); // -EAGAIN
        byte* buffer = (byte*)NativeMemory.Alloc(4 * 100);
        try
        {
            uint got;
            Assert.Equal(0, batch(ts, buffer, 50, &got));
            Assert.Equal(50u, got);
            Assert.Equal(49u, ((uint*)buffer)[49]);
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
        Assert.Equal(0, unsent(ts, &n));
        Assert.Equal(20ul, n);
        Assert.Equal(0, erase(ts));
        Assert.Equal(0, total(ts, &n));
        Assert.Equal(20ul, n);
        tick();
        byte* text = stackalloc byte[512];
        Assert.Equal(0, dump(0, 1, text, 512));
        Assert.Contains("records=20", Marshal.PtrToStringUTF8((nint)text));
        Assert.Equal(-34, dump(0, 1, text, 8));
        Assert.Equal(0, shutdown());

        // Linux: data survives a shutdown flush and a new ss_init_system.
        using var dir = new TempDirectory();
        byte[] path = Encoding.UTF8.GetBytes(dir.Path + "\0");
        fixed (byte* p = path)
        {
            cfg = new SsInitCfg { Profile = 1, Directory = p, DiskSectorSize = 8192 };
            Assert.Equal(0, init(&cfg));
            Assert.Equal(0, sensorInit(7, 1, &ts));
            for (uint v = 0; v < 3000; v++)
            {
                Assert.Equal(0, tsAdd(ts, v));
            }
            Assert.Equal(0, flush(5000));
            Assert.Equal(0, shutdown());
            Assert.True(File.Exists(Path.Combine(dir.Path, "host", "sensor_0000000007.dat")));

            Assert.Equal(0, init(&cfg));
            Assert.Equal(0, sensorInit(7, 1, &ts));
            Assert.Equal(0, total(ts, &n));
            Assert.Equal(3000ul, n);
            Assert.Equal(0, diag(ts, 2999, rec));
            Assert.Equal(2999u, *(uint*)rec);
            Assert.Equal(0, shutdown());
        }
        Assert.Equal(-22, shutdown());
    }
}
