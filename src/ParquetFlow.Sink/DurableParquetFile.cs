using System.Buffers.Binary;
using ParquetFlow.Durability;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Format;
using ParquetFlow.Parquet.Schema;

namespace ParquetFlow.Sink;

/// <summary>
/// A Parquet file being written under a temporary name, each row group made durable as it ends: its bytes are
/// fsynced, then its journal entry (with the row group's footer entry and page index) is appended and fsynced. <see cref="Complete"/> writes the footer, fsyncs, and only
/// then renames the file to its final name and deletes the journal. Every write, fsync and rename goes through the
/// <see cref="Storage"/> seam; after a failed fsync the file is never completed (the kernel refuses to fsync it again).
/// </summary>
internal sealed class DurableParquetFile : IDisposable
{
    private readonly ParquetFileWriter _writer;
    private readonly RowGroupJournal? _journal;
    private readonly Storage _storage;
    private readonly StorageFile _file;
    private readonly StorageStream _stream;
    private bool _done;

    public DurableParquetFile(string temporaryPath, ParquetSchema schema, ParquetWriterOptions options, bool durable, Storage storage, DateTime opened)
    {
        TemporaryPath = temporaryPath;
        _storage = storage;
        // A file that cannot be opened whole (a full disk, say) leaves nothing behind: no journal without its data
        // file, no empty data file for start-up recovery to set aside. Nothing in them was durable yet.
        if (durable)
        {
            try
            {
                _journal = RowGroupJournal.Create(JournalPath(temporaryPath), options.Compression, FooterTemplate(schema, options), storage);
            }
            catch
            {
                TryDelete(storage, JournalPath(temporaryPath));
                throw;
            }
        }

        try
        {
            _file = storage.Open(temporaryPath, FileMode.Create, FileAccess.Write, FileShare.Read);
        }
        catch
        {
            _journal?.Dispose();
            TryDelete(storage, JournalPath(temporaryPath));
            TryDelete(storage, temporaryPath);
            throw;
        }

        _stream = new StorageStream(_file);
        try
        {
            _writer = new ParquetFileWriter(_stream, schema, options);
            if (durable)
            {
                // Guarantee: the journal's and the data file's directory entries survive power loss like their contents.
                storage.SyncDirectory(Storage.ParentOf(temporaryPath));
            }
        }
        catch
        {
            _file.Dispose();
            _journal?.Dispose();
            TryDelete(storage, JournalPath(temporaryPath));
            TryDelete(storage, temporaryPath);
            throw;
        }

        Opened = opened;
    }

    /// <summary>Deletes a file this instance created and gives up on it; a failure is left for start-up recovery.</summary>
    internal static void TryDelete(Storage storage, string path)
    {
        try
        {
            storage.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public string TemporaryPath { get; }

    public DateTime Opened { get; }

    public long Position => _writer.Position;

    public long Rows => _writer.RowCount;

    public int RowGroups => _writer.RowGroupCount;

    /// <summary>Row groups whose journal entries were fsynced: the ones recovery may keep.</summary>
    public int JournaledRowGroups { get; private set; }

    public static string JournalPath(string temporaryPath) => temporaryPath + ".journal";

    /// <summary>The footer of an empty file with this schema and these options (the journal's template).</summary>
    public static byte[] FooterTemplate(ParquetSchema schema, ParquetWriterOptions options) => ParquetFileWriter.EmptyFileFooter(schema, options);

    public RowGroupWriter BeginRowGroup() => _writer.BeginRowGroup();

    /// <summary>
    /// Ends the row group; when durable, it is on disk and journaled (with its footer entry and page index, so that
    /// recovery writes the footer this file would have had) when this returns.
    /// </summary>
    public void EndRowGroup(RowGroupWriter group, long rows)
    {
        long start = _writer.Position;
        group.End();
        if (_journal is not null && _writer.Position > start)
        {
            // Guarantee: the row group's bytes reach the disk before the journal entry that names them.
            _writer.Flush();
            _stream.Sync();
            (RowGroup metadata, RowGroupPageIndex pageIndex) = _writer.WrittenRowGroup(_writer.RowGroupCount - 1);
            _journal.Append(start, _writer.Position - start, rows, metadata, pageIndex);
            JournaledRowGroups++;
        }
    }

    /// <summary>Fsyncs the data written so far (used by a flush when row groups are not journaled).</summary>
    public void Sync()
    {
        _writer.Flush();
        _stream.Sync();
    }

    /// <summary>Writes the footer, fsyncs, renames to <paramref name="finalPath"/> and deletes the journal.</summary>
    public void Complete(string finalPath)
    {
        _writer.Close();

        // Guarantee: the footer is on disk before the file appears under its final name.
        _writer.Flush();
        _stream.Sync();
        _writer.Dispose();
        _file.Dispose();
        _journal?.Dispose();
        _done = true;

        // Guarantee: the rename is on disk before the journal (the only way back to the file in progress) goes.
        _storage.MoveDurably(TemporaryPath, finalPath, overwrite: false);
        _storage.Delete(JournalPath(TemporaryPath));
    }

    /// <summary>Releases the file without completing it (it stays under its temporary name for recovery).</summary>
    public void Dispose()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        _journal?.Dispose();

        // The writer's Dispose would write a footer; close the file alone and leave it as a crash would.
        _file.Dispose();
    }
}
