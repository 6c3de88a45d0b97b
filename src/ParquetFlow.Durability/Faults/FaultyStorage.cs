using Microsoft.Win32.SafeHandles;

namespace ParquetFlow.Durability.Faults;

/// <summary>
/// A <see cref="Storage"/> for tests that wraps another and, on command, makes chosen calls fail (EIO, ENOSPC, a
/// short write) or cuts the power at a chosen call. Every call is numbered from 1 (<see cref="Calls"/>), so a test can
/// run a scenario once to count its calls and then fail or cut at each of them in turn.
/// </summary>
/// <remarks>
/// <para>With <c>recordDurability</c> on it also keeps what each file would hold after a power cut: the content it
/// had at its last successful <see cref="StorageFile.Sync"/> (or when first touched, for a file that existed), and for
/// each name it touched, what the directory held at its last <see cref="Storage.SyncDirectory"/>.
/// <see cref="ApplyPowerLoss"/> then rewrites the files on disk to that state (optionally keeping a random part of
/// the later writes, torn at block boundaries), as the disk would be found after the cut. Files it never wrote, moved
/// or deleted are left as they are. Writes through <see cref="StorageFile.Handle"/> (mmap) count as unsynced until the
/// file's next <see cref="StorageFile.Sync"/>.</para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed class FaultyStorage : Storage
{
    private readonly Storage _inner;
    private readonly bool _record;
    private readonly Lock _gate = new();
    private readonly List<Rule> _rules = [];

    // Recording: the node each tracked file's current name holds, and for every touched name what a power cut would
    // leave there (a node, or null for "no file").
    private readonly Dictionary<string, Node> _current = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Binding> _durableNames = new(StringComparer.Ordinal);
    private long _calls;
    private bool _poweredOff;
    private long _injected;

    public FaultyStorage(Storage? inner = null, bool recordDurability = false)
    {
        _inner = inner ?? Default;
        _record = recordDurability;
    }

    /// <summary>Calls made through this storage so far; the next call is number <c>Calls + 1</c>.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Faults injected so far (a power cut counts once, not per refused call after it).</summary>
    public long FaultsInjected => Interlocked.Read(ref _injected);

    /// <summary>True after a power cut, until <see cref="ApplyPowerLoss"/> or <see cref="RestorePower"/>.</summary>
    public bool PoweredOff
    {
        get
        {
            lock (_gate)
            {
                return _poweredOff;
            }
        }
    }

    /// <summary>Seen before every call, with its number, operation and path (for tracing, or for choosing where to fail).</summary>
    public Action<long, StorageOperation, string>? OnCall { get; set; }

    /// <summary>
    /// Injects <paramref name="fault"/> into calls of <paramref name="operation"/> (any when null) whose path satisfies
    /// <paramref name="path"/> (any when null): the first <paramref name="skip"/> matching calls pass, the next
    /// <paramref name="times"/> fail (<see cref="int.MaxValue"/>: until <see cref="ClearFaults"/>).
    /// </summary>
    public void Fail(StorageFault fault, StorageOperation? operation = null, Func<string, bool>? path = null, int skip = 0, int times = 1)
    {
        ArgumentNullException.ThrowIfNull(fault);
        lock (_gate)
        {
            _rules.Add(new Rule(fault, operation, path, null, skip, times));
        }
    }

    /// <summary>Injects <paramref name="fault"/> into the call numbered <paramref name="call"/>.</summary>
    public void FailAt(long call, StorageFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        lock (_gate)
        {
            _rules.Add(new Rule(fault, null, null, call, 0, 1));
        }
    }

    /// <summary>Cuts the power at the call numbered <paramref name="call"/>.</summary>
    public void CutPowerAt(long call) => FailAt(call, StorageFault.PowerCut);

    /// <summary>Cuts the power now: every later call fails with <see cref="PowerLostException"/>.</summary>
    public void CutPower()
    {
        lock (_gate)
        {
            if (!_poweredOff)
            {
                _poweredOff = true;
                _injected++;
            }
        }
    }

    /// <summary>Removes every pending fault (a power cut already made stays).</summary>
    public void ClearFaults()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    /// <summary>Turns the power back on without changing the disk (as if every write had made it).</summary>
    public void RestorePower()
    {
        lock (_gate)
        {
            _poweredOff = false;
        }
    }

    /// <summary>
    /// Rewrites the disk to what a power cut leaves (needs <c>recordDurability</c>): every touched file back to its
    /// synced content, every touched name back to what its directory's last sync made durable, directories created
    /// and never synced in their parent removed. Then the power is back on, with what is on disk now taken as durable.
    /// Close the component under test first (its handles see the rewritten files).
    /// </summary>
    public void ApplyPowerLoss(PowerLossOptions? options = null)
    {
        if (!_record)
        {
            throw new InvalidOperationException("ApplyPowerLoss needs a FaultyStorage made with recordDurability: true");
        }

        options ??= new PowerLossOptions();
        lock (_gate)
        {
            _poweredOff = true;
            var finalContent = new Dictionary<Node, byte[]>();
            var directoriesToRemove = new List<string>();
            foreach ((string name, Binding binding) in _durableNames)
            {
                if (binding.CreatedDirectory)
                {
                    directoriesToRemove.Add(name);
                    continue;
                }

                if (binding.Node is not { } node)
                {
                    if (File.Exists(name))
                    {
                        File.Delete(name);
                    }

                    continue;
                }

                if (!finalContent.TryGetValue(node, out byte[]? content))
                {
                    content = AfterCut(node, options);
                    finalContent[node] = content;
                }

                Directory.CreateDirectory(Path.GetDirectoryName(name)!);
                File.WriteAllBytes(name, content);
            }

            // Deepest first, so a nested unsynced directory goes before its unsynced parent.
            foreach (string directory in directoriesToRemove.OrderByDescending(d => d.Length))
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }

            _current.Clear();
            _durableNames.Clear();
            _rules.Clear();
            _poweredOff = false;
        }
    }

    public override StorageFile Open(string path, FileMode mode, FileAccess access, FileShare share = FileShare.Read)
    {
        string full = Path.GetFullPath(path);
        Enter(StorageOperation.Open, full, out _);
        StorageFile inner;
        Node? node = null;
        lock (_gate)
        {
            bool existed = File.Exists(full);
            bool mutates = access != FileAccess.Read || mode is FileMode.Create or FileMode.CreateNew or FileMode.Truncate or FileMode.OpenOrCreate or FileMode.Append;
            if (_record && mutates)
            {
                node = Track(full, existed);
            }

            // Recording reads a file back at each fsync, so a write-only file is opened for reading too.
            inner = _inner.Open(path, mode, _record && access == FileAccess.Write ? FileAccess.ReadWrite : access, share);
            if (_record && mutates && !existed)
            {
                node = new Node();
                _current[full] = node;
            }
        }

        return new FaultyFile(this, full, inner, node);
    }

    public override void Move(string source, string destination, bool overwrite)
    {
        string from = Path.GetFullPath(source);
        string to = Path.GetFullPath(destination);
        Enter(StorageOperation.Move, from, out _);
        lock (_gate)
        {
            if (_record)
            {
                Track(from, File.Exists(from));
                Track(to, File.Exists(to));
            }

            _inner.Move(source, destination, overwrite);
            if (_record && _current.Remove(from, out Node? node))
            {
                _current[to] = node;
            }
        }
    }

    /// <summary>When set, what <see cref="AvailableBytes"/> reports for a directory (a test's nearly full disk); otherwise the inner storage's answer.</summary>
    public Func<string, long>? Available { get; set; }

    public override long AvailableBytes(string directory) => Available is { } available ? available(directory) : _inner.AvailableBytes(directory);

    public override long TotalBytes(string directory) => _inner.TotalBytes(directory);

    public override void Delete(string path)
    {
        string full = Path.GetFullPath(path);
        Enter(StorageOperation.Delete, full, out _);
        lock (_gate)
        {
            if (_record)
            {
                Track(full, File.Exists(full));
            }

            _inner.Delete(path);
            _current.Remove(full);
        }
    }

    public override void SyncDirectory(string directory)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        Enter(StorageOperation.SyncDirectory, full, out _);
        lock (_gate)
        {
            _inner.SyncDirectory(directory);
            if (!_record)
            {
                return;
            }

            foreach (string name in _durableNames.Keys.ToList())
            {
                if (string.Equals(Path.GetDirectoryName(name), full, StringComparison.Ordinal))
                {
                    _durableNames[name] = Directory.Exists(name) && !File.Exists(name)
                        ? new Binding(null, CreatedDirectory: false)
                        : new Binding(_current.GetValueOrDefault(name), CreatedDirectory: false);
                }
            }
        }
    }

    protected override void CreateDirectoryEntry(string path)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        Enter(StorageOperation.CreateDirectory, full, out _);
        lock (_gate)
        {
            bool existed = Directory.Exists(full);
            // Through the inner storage's public face: a directory created here is made durable by our own sync.
            Directory.CreateDirectory(full);
            if (_record && !existed && !_durableNames.ContainsKey(full))
            {
                _durableNames[full] = new Binding(null, CreatedDirectory: true);
            }
        }
    }

    /// <summary>
    /// Counts the call and decides its fate: throws when the power is off or the call is to fail outright; returns the
    /// fault a write must apply itself (a short write), else null.
    /// </summary>
    private void Enter(StorageOperation operation, string path, out StorageFault? partial)
    {
        partial = null;
        long call = Interlocked.Increment(ref _calls);
        OnCall?.Invoke(call, operation, path);
        StorageFault? fault = null;
        lock (_gate)
        {
            if (_poweredOff)
            {
                throw new PowerLostException($"{path}: {operation} refused: the power was cut (call {call})");
            }

            for (int i = 0; i < _rules.Count; i++)
            {
                Rule rule = _rules[i];
                if (!rule.Matches(call, operation, path))
                {
                    continue;
                }

                if (rule.Skip > 0)
                {
                    rule.Skip--;
                    continue;
                }

                fault = rule.Fault;
                if (--rule.Times <= 0)
                {
                    _rules.RemoveAt(i);
                }

                break;
            }

            if (fault is null)
            {
                return;
            }

            _injected++;
            if (fault.Kind == StorageFaultKind.PowerCut)
            {
                _poweredOff = true;
                throw new PowerLostException($"{path}: {operation} refused: the power was cut (call {call})");
            }
        }

        if (fault.Kind == StorageFaultKind.ShortWrite && operation == StorageOperation.Write)
        {
            partial = fault;
            return;
        }

        throw Injected(fault.Kind == StorageFaultKind.IOError ? Errno.IO : Errno.NoSpace, operation, path, call);
    }

    private static IOException Injected(Errno errno, StorageOperation operation, string path, long call) =>
        new($"{path}: {operation} failed: {(errno == Errno.IO ? "Input/output error" : "No space left on device")} (injected at call {call})", (int)errno);

    /// <summary>Under the gate: starts tracking a file's name (and, when it exists, its content as durable) before its first change.</summary>
    private Node? Track(string path, bool exists)
    {
        if (_current.TryGetValue(path, out Node? node))
        {
            _durableNames.TryAdd(path, new Binding(node, CreatedDirectory: false));
            return node;
        }

        if (!exists)
        {
            _durableNames.TryAdd(path, new Binding(null, CreatedDirectory: false));
            return null;
        }

        node = new Node { Durable = File.ReadAllBytes(path) };
        _current[path] = node;
        _durableNames.TryAdd(path, new Binding(node, CreatedDirectory: false));
        return node;
    }

    /// <summary>Under the gate: a successful fsync makes the file's current content the durable one.</summary>
    private void Synced(Node node, StorageFile inner)
    {
        byte[] content = new byte[inner.Length];
        content = content.AsSpan(0, inner.ReadAtMost(0, content)).ToArray();
        node.Durable = content;
    }

    /// <summary>What a node's file holds after the cut: its synced bytes, plus a random part of what came after.</summary>
    private byte[] AfterCut(Node node, PowerLossOptions options)
    {
        byte[] durable = node.Durable;
        if (options.KeepUnsyncedProbability <= 0)
        {
            return durable;
        }

        string? currentPath = _current.FirstOrDefault(pair => ReferenceEquals(pair.Value, node)).Key;
        if (currentPath is null || !File.Exists(currentPath))
        {
            return durable;
        }

        byte[] current = File.ReadAllBytes(currentPath);
        Random random = options.Random;
        int block = options.TearBlockSize;
        bool keepLength = current.Length != durable.Length && random.NextDouble() < options.KeepUnsyncedProbability;
        byte[] result = new byte[keepLength ? current.Length : durable.Length];
        durable.AsSpan(0, Math.Min(durable.Length, result.Length)).CopyTo(result);
        for (int at = 0; at < Math.Min(current.Length, result.Length); at += block)
        {
            int length = Math.Min(block, Math.Min(current.Length, result.Length) - at);
            ReadOnlySpan<byte> now = current.AsSpan(at, length);
            bool same = at + length <= durable.Length && now.SequenceEqual(durable.AsSpan(at, length));
            if (!same && random.NextDouble() < options.KeepUnsyncedProbability)
            {
                now.CopyTo(result.AsSpan(at));
            }
        }

        return result;
    }

    private enum Errno
    {
        IO = 5,
        NoSpace = 28,
    }

    private sealed class Node
    {
        public byte[] Durable { get; set; } = [];
    }

    private readonly record struct Binding(Node? Node, bool CreatedDirectory);

    private sealed class Rule(StorageFault fault, StorageOperation? operation, Func<string, bool>? path, long? call, int skip, int times)
    {
        public StorageFault Fault { get; } = fault;

        public int Skip { get; set; } = skip;

        public int Times { get; set; } = times;

        public bool Matches(long number, StorageOperation op, string file) =>
            (call is null || call == number) && (operation is null || operation == op) && (path is null || path(file));
    }

    private sealed class FaultyFile : StorageFile
    {
        private readonly FaultyStorage _owner;
        private readonly StorageFile _inner;
        private readonly Node? _node;

        public FaultyFile(FaultyStorage owner, string path, StorageFile inner, Node? node)
            : base(path)
        {
            _owner = owner;
            _inner = inner;
            _node = node;
        }

        public override long Length => _inner.Length;

        public override SafeFileHandle Handle => _inner.Handle;

        public override int Read(long offset, Span<byte> buffer)
        {
            _owner.Enter(StorageOperation.Read, Path, out _);
            return _inner.Read(offset, buffer);
        }

        public override void Write(long offset, ReadOnlySpan<byte> data)
        {
            _owner.Enter(StorageOperation.Write, Path, out StorageFault? partial);
            if (partial is not null)
            {
                int stored = Math.Clamp(partial.ShortWriteBytes, 0, data.Length);
                _inner.Write(offset, data[..stored]);
                throw Injected(Errno.NoSpace, StorageOperation.Write, Path, _owner.Calls);
            }

            _inner.Write(offset, data);
        }

        public override void SetLength(long length)
        {
            _owner.Enter(StorageOperation.SetLength, Path, out _);
            _inner.SetLength(length);
        }

        public override void Allocate(long length)
        {
            _owner.Enter(StorageOperation.Allocate, Path, out _);
            _inner.Allocate(length);
        }

        protected override void SyncCore()
        {
            _owner.Enter(StorageOperation.Sync, Path, out _);
            _inner.Sync();
            if (_node is not null)
            {
                lock (_owner._gate)
                {
                    _owner.Synced(_node, _inner);
                }
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }
        }
    }
}
