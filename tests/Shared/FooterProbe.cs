// Linked into the seeded fuzz test (tests/ParquetFlow.Interop.Tests) and the coverage-guided harness (tests/ParquetFlow.Fuzz):
// everything `pqflow inspect --pages` does with a file, on bytes in memory.
using ParquetFlow.Cli.Inspect;
using ParquetFlow.Parquet;
using ParquetFlow.Parquet.Format;

namespace ParquetFlow.Tests.Shared;

internal static class FooterProbe
{
    /// <summary>
    /// Reads the footer, describes the file as <c>pqflow inspect --pages</c> does (walking every chunk's page headers)
    /// and reads every page index; returns null when the file was described, or the refusal's message. Any exception
    /// other than the reader's refusals escapes: that is a bug.
    /// </summary>
    public static string? Describe(byte[] file)
    {
        try
        {
            using var stream = new MemoryStream(file, writable: false);
            ParquetFooter footer = ParquetFooter.Read(stream);
            FileReport.Write(TextWriter.Null, "fuzz.parquet", footer, stream);
            foreach (RowGroup group in footer.Metadata.RowGroups)
            {
                foreach (ColumnChunk chunk in group.Columns)
                {
                    ParquetFooter.ReadColumnIndex(stream, chunk);
                    ParquetFooter.ReadOffsetIndex(stream, chunk);
                }
            }

            return null;
        }
        catch (Exception e) when (e is ParquetFormatException or InvalidDataException or EndOfStreamException)
        {
            return e.Message;
        }
    }
}
