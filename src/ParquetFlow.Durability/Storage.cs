namespace ParquetFlow.Durability;

/// <summary>
/// The storage seam: every durable write, fsync, rename and read of ParquetFlow's components goes through an instance
/// of this type, so that a test can make a chosen call fail (<see cref="Faults.FaultyStorage"/>) or lose power.
/// </summary>
/// <remarks>
/// <para>The guarantee, stated once for every component: the bytes of a file are durable (survive a power cut) up to
/// the last <see cref="StorageFile.Sync"/> that returned, and a name in a directory (a created, renamed or deleted
/// file or directory) is durable once <see cref="SyncDirectory"/> of that directory returned. Nothing else is: an
/// unsynced write may be lost, and later writes may reach the disk before earlier ones.</para>
/// <para>After a <see cref="StorageFile.Sync"/> failed, the file is never trusted again (Linux reports a write-back
/// error once and may drop the dirty pages, so a second fsync can succeed with the data gone): every later
/// <see cref="StorageFile.Sync"/> throws <see cref="FsyncFailedException"/>. The caller abandons the file and rewrites
/// what it held from memory, or fails loudly.</para>
/// <para>Implementations are thread-safe.</para>
/// </remarks>
public abstract class Storage
{
    /// <summary>The machine's file system.</summary>
    public static Storage Default { get; } = new FileStorage();

    /// <summary>Opens (or creates, by <paramref name="mode"/>) a file. A file created here is not durable by name until its directory is synced.</summary>
    public abstract StorageFile Open(string path, FileMode mode, FileAccess access, FileShare share = FileShare.Read);

    /// <summary>Renames <paramref name="source"/> to <paramref name="destination"/> (atomically replacing it when <paramref name="overwrite"/>; otherwise throws <see cref="IOException"/> when it exists).</summary>
    public abstract void Move(string source, string destination, bool overwrite);

    /// <summary>Deletes a file; nothing when it does not exist.</summary>
    public abstract void Delete(string path);

    /// <summary>Fsyncs a directory, making the names created, renamed or deleted in it durable.</summary>
    public abstract void SyncDirectory(string directory);

    /// <summary>Bytes an unprivileged writer can still write on the file system that holds <paramref name="directory"/> (statvfs).</summary>
    public virtual long AvailableBytes(string directory) => new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace;

    /// <summary>Size of the file system that holds <paramref name="directory"/>.</summary>
    public virtual long TotalBytes(string directory) => new DriveInfo(Path.GetFullPath(directory)).TotalSize;

    /// <summary>Creates one directory level whose parent exists (nothing when it exists); not durable until its parent is synced.</summary>
    protected abstract void CreateDirectoryEntry(string path);

    /// <summary>
    /// Creates <paramref name="path"/> and any missing parents, and fsyncs the parent of each level it created, so the
    /// whole path is durable when this returns. An existing directory costs one <see cref="Directory.Exists(string)"/>.
    /// </summary>
    public void CreateDirectory(string path)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return;
        }

        var missing = new Stack<string>();
        for (string? level = full; level is not null && !Directory.Exists(level); level = Path.GetDirectoryName(level))
        {
            missing.Push(level);
        }

        while (missing.TryPop(out string? level))
        {
            CreateDirectoryEntry(level);
            SyncDirectory(ParentOf(level));
        }
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with the bytes <paramref name="write"/> produces, atomically and durably: they
    /// are written to a temporary file beside it, fsynced, renamed over <paramref name="path"/>, and the directory is
    /// fsynced. After a power cut the file holds either the old content or the new, never a mix; when this returns, the
    /// new. With <paramref name="overwrite"/> false it instead creates <paramref name="path"/> only if it does not exist
    /// (then two processes may race; the loser gets an <see cref="IOException"/> and leaves no temporary file).
    /// </summary>
    public void ReplaceAtomically(string path, Action<Stream> write, bool overwrite = true)
    {
        ArgumentNullException.ThrowIfNull(write);
        string temporary = TemporaryPathFor(path);
        try
        {
            using (StorageFile file = Open(temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
            {
                using (var stream = new StorageStream(file))
                {
                    write(stream);
                    stream.Flush();
                }

                // Guarantee: the new bytes are on disk before the name points at them.
                file.Sync();
            }

            Move(temporary, path, overwrite);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }

        // Guarantee: the rename itself survives power loss once this returns.
        SyncDirectory(ParentOf(path));
    }

    /// <summary><see cref="ReplaceAtomically(string, Action{Stream}, bool)"/> with bytes already in memory.</summary>
    public void ReplaceAtomically(string path, ReadOnlyMemory<byte> content, bool overwrite = true) =>
        ReplaceAtomically(path, stream => stream.Write(content.Span), overwrite);

    /// <summary>Reads a whole file through the seam (so a test can make the read fail).</summary>
    public byte[] ReadAllBytes(string path)
    {
        using StorageFile file = Open(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long length = file.Length;
        if (length > Array.MaxLength)
        {
            throw new IOException($"{path}: {length} bytes do not fit in memory at once");
        }

        byte[] data = new byte[length];
        int read = file.ReadAtMost(0, data);
        return read == data.Length ? data : data.AsSpan(0, read).ToArray();
    }

    /// <summary>Renames, then fsyncs the destination's directory (and the source's, when it differs): the move is durable when this returns.</summary>
    public void MoveDurably(string source, string destination, bool overwrite)
    {
        Move(source, destination, overwrite);
        string to = ParentOf(destination);
        SyncDirectory(to);
        string from = ParentOf(source);
        if (!string.Equals(from, to, StringComparison.Ordinal))
        {
            SyncDirectory(from);
        }
    }

    /// <summary>Deletes, then fsyncs the directory: the file is gone for good when this returns.</summary>
    public void DeleteDurably(string path)
    {
        Delete(path);
        SyncDirectory(ParentOf(path));
    }

    /// <summary>The directory holding <paramref name="path"/> (the current directory for a bare name).</summary>
    public static string ParentOf(string path) => Path.GetDirectoryName(Path.GetFullPath(path)) ?? Path.GetPathRoot(Path.GetFullPath(path))!;

    /// <summary>The temporary name <see cref="ReplaceAtomically(string, Action{Stream}, bool)"/> uses: beside the file, unique to this process.</summary>
    public static string TemporaryPathFor(string path) => $"{path}.tmp.{Environment.ProcessId}";

    private void TryDelete(string path)
    {
        try
        {
            Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
