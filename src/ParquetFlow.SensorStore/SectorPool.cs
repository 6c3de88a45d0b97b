// The RAM sector pool: one native block cut into fixed sectors, a free list of indices, and the
// accounting that keeps one sector for every sensor slot (the "at least one sector per sensor" rule).
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ParquetFlow.SensorStore;

/// <summary>
/// Fixed-size RAM sectors from one preallocated block. <see cref="AllocateFirst"/> takes a sensor's
/// reserved sector; <see cref="AllocateExtra"/> takes one of the shared sectors. Thread-safe: every call
/// takes the pool lock (the document's pool mutex); sector contents are guarded by the owning sensor.
/// </summary>
internal sealed unsafe class SectorPool : IDisposable
{
    private readonly Lock _lock = new();
    private readonly int[] _free;
    private readonly int[] _next;
    private byte* _memory;
    private int _freeCount;
    private int _firstUsed;
    private int _extraUsed;

    public SectorPool(int sectorSize, int sensorSlots, int sharedSectors)
    {
        Debug.Assert(sectorSize > 0 && sensorSlots > 0 && sharedSectors >= 0);
        SectorSize = sectorSize;
        SensorSlots = sensorSlots;
        SharedSectors = sharedSectors;
        Capacity = sensorSlots + sharedSectors;
        _memory = (byte*)NativeMemory.AlignedAlloc((nuint)((long)Capacity * sectorSize), 64);
        NativeMemory.Clear(_memory, (nuint)((long)Capacity * sectorSize));
        _free = new int[Capacity];
        _next = new int[Capacity];
        for (int i = 0; i < Capacity; i++)
        {
            _free[i] = Capacity - 1 - i; // pop order 0, 1, 2, ...
            _next[i] = -1;
        }
        _freeCount = Capacity;
    }

    public int SectorSize { get; }

    public int SensorSlots { get; }

    public int SharedSectors { get; }

    public int Capacity { get; }

    /// <summary>Shared sectors in use (sectors beyond each sensor's first).</summary>
    public int ExtraUsed => Volatile.Read(ref _extraUsed);

    /// <summary>Sectors in use in total.</summary>
    public int Used
    {
        get
        {
            lock (_lock)
            {
                return Capacity - _freeCount;
            }
        }
    }

    /// <summary>Shared-pool fill in [0, 1]; the Linux manager compares it with the high watermark.</summary>
    public double Fill => SharedSectors == 0 ? 1.0 : (double)ExtraUsed / SharedSectors;

    /// <summary>The bytes of sector <paramref name="sector"/>.</summary>
    public Span<byte> Sector(int sector)
    {
        Debug.Assert((uint)sector < (uint)Capacity);
        return new Span<byte>(_memory + ((long)sector * SectorSize), SectorSize);
    }

    /// <summary>Pointer to sector <paramref name="sector"/> (the hot write path).</summary>
    public byte* SectorPointer(int sector) => _memory + ((long)sector * SectorSize);

    /// <summary>Next sector in the owning sensor's chain, or -1.</summary>
    public ref int Next(int sector) => ref _next[sector];

    /// <summary>Takes one of the sensor slots' reserved sectors; -1 when every slot is taken.</summary>
    public int AllocateFirst()
    {
        lock (_lock)
        {
            if (_firstUsed >= SensorSlots)
            {
                return -1;
            }
            _firstUsed++;
            return Pop();
        }
    }

    /// <summary>Takes a shared sector; -1 when the shared part is exhausted.</summary>
    public int AllocateExtra()
    {
        lock (_lock)
        {
            if (_extraUsed >= SharedSectors)
            {
                return -1;
            }
            _extraUsed++;
            return Pop();
        }
    }

    /// <summary>Returns a sensor slot's first sector (the sensor could not be created).</summary>
    public void FreeFirst(int sector)
    {
        lock (_lock)
        {
            _firstUsed--;
            _next[sector] = -1;
            _free[_freeCount++] = sector;
        }
    }

    /// <summary>Returns a shared sector (a sensor keeps its reserved one for life).</summary>
    public void FreeExtra(int sector)
    {
        lock (_lock)
        {
            Debug.Assert(_extraUsed > 0);
            _extraUsed--;
            _next[sector] = -1;
            _free[_freeCount++] = sector;
        }
    }

    private int Pop()
    {
        Debug.Assert(_freeCount > 0);
        int s = _free[--_freeCount];
        _next[s] = -1;
        return s;
    }

    public void Dispose()
    {
        if (_memory != null)
        {
            NativeMemory.AlignedFree(_memory);
            _memory = null;
        }
    }
}
