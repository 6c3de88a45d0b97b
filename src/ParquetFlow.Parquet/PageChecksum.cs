using System.IO.Hashing;
using ParquetFlow.Parquet.Format;

namespace ParquetFlow.Parquet;

/// <summary>
/// The page checksum of the format (<c>PageHeader.crc</c>): CRC-32 with the GZIP polynomial 0x04C11DB7 over the page's
/// bytes as written to disk after its header, compressed (for a v2 page its levels, then its values). Thread-safe.
/// </summary>
public static class PageChecksum
{
    /// <summary>The CRC-32 of <paramref name="first"/> followed by <paramref name="rest"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> first, ReadOnlySpan<byte> rest)
    {
        var crc = new Crc32();
        crc.Append(first);
        crc.Append(rest);
        return crc.GetCurrentHashAsUInt32();
    }

    /// <summary>
    /// Checks the page whose header is <paramref name="header"/> against its bytes <paramref name="body"/> (the
    /// <c>compressed_page_size</c> bytes after the header).
    /// </summary>
    public static PageChecksumStatus Verify(PageHeader header, ReadOnlySpan<byte> body)
    {
        if (header.Crc is not int stored)
        {
            return PageChecksumStatus.Absent;
        }

        return unchecked((uint)stored) == Crc32.HashToUInt32(body) ? PageChecksumStatus.Valid : PageChecksumStatus.Mismatch;
    }
}
