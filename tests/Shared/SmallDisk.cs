// Linked into the test projects that prove behaviour on a real full disk: a small tmpfs mounted for one test.
using System.Diagnostics;

namespace ParquetFlow.Tests.Shared;

/// <summary>
/// A tmpfs of a few hundred KiB mounted on a fresh directory (needs root, as the suite runs): the kernel's own ENOSPC,
/// not a simulated one. <see cref="Fill"/> takes every free block with a filler file, <see cref="Free"/> gives them back.
/// </summary>
internal sealed class SmallDisk : IDisposable
{
    private readonly string _mountPoint;
    private readonly string _filler;

    private SmallDisk(string mountPoint)
    {
        _mountPoint = mountPoint;
        _filler = System.IO.Path.Combine(mountPoint, "filler");
    }

    /// <summary>The mounted directory.</summary>
    public string Path => _mountPoint;

    /// <summary>Mounts a tmpfs of <paramref name="kibibytes"/> KiB, or returns null with the reason when the mount is refused.</summary>
    public static SmallDisk? TryMount(int kibibytes, out string? refusal)
    {
        string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pqflow-disk-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        (int rc, string output) = Run("mount", "-t", "tmpfs", "-o", $"size={kibibytes}k", "tmpfs", dir);
        if (rc != 0)
        {
            Directory.Delete(dir);
            refusal = $"cannot mount a {kibibytes} KiB tmpfs (needs root): {output.Trim()}";
            return null;
        }

        refusal = null;
        return new SmallDisk(dir);
    }

    /// <summary>Free bytes the filesystem reports now.</summary>
    public long AvailableBytes => new DriveInfo(_mountPoint).AvailableFreeSpace;

    /// <summary>Writes a filler file until the disk refuses with ENOSPC.</summary>
    public void Fill()
    {
        var block = new byte[4096];
        using var stream = new FileStream(_filler, FileMode.Append, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        try
        {
            while (true)
            {
                stream.Write(block);
            }
        }
        catch (IOException)
        {
            // ENOSPC: the disk is full.
        }
    }

    /// <summary>Deletes the filler file: the space is back.</summary>
    public void Free() => File.Delete(_filler);

    public void Dispose()
    {
        (int rc, string output) = Run("umount", "-l", _mountPoint);
        if (rc == 0)
        {
            Directory.Delete(_mountPoint);
        }
        else
        {
            Console.Error.WriteLine($"cannot unmount {_mountPoint}: {output.Trim()}");
        }
    }

    private static (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            using Process process = Process.Start(info)!;
            string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"{program}: {e.Message}");
        }
    }
}
