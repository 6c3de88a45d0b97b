using ParquetFlow.Parquet.Format;

namespace ParquetFlow.Parquet.Writing;

/// <summary>A written column chunk's footer entry and its page index (null when not written).</summary>
internal sealed record ColumnChunkResult(ColumnChunk Chunk, OffsetIndex? OffsetIndex, ColumnIndex? ColumnIndex);
