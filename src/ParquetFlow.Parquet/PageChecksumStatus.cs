namespace ParquetFlow.Parquet;

/// <summary>What checking a page against its <c>PageHeader.crc</c> found.</summary>
public enum PageChecksumStatus
{
    /// <summary>The page header carries no checksum (the writer wrote none): nothing to check.</summary>
    Absent,

    /// <summary>The page's bytes match its checksum.</summary>
    Valid,

    /// <summary>The page's bytes do not match its checksum: the page is damaged.</summary>
    Mismatch,
}
