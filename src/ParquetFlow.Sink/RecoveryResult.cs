namespace ParquetFlow.Sink;

/// <summary>What <see cref="ParquetRecovery.Recover"/> did to a file.</summary>
/// <param name="WasComplete">The file already had a valid footer and was left untouched.</param>
/// <param name="RowGroups">Row groups in the file afterwards.</param>
/// <param name="Rows">Rows in the file afterwards.</param>
/// <param name="BytesDiscarded">Bytes of torn or unjournaled data cut off the end.</param>
/// <param name="DamagedPage">
/// The first page whose bytes do not match the CRC-32 in its header, in one line, or null: in a file in progress the
/// file was cut back before its row group; a complete file is left as it is.
/// </param>
public readonly record struct RecoveryResult(bool WasComplete, int RowGroups, long Rows, long BytesDiscarded, string? DamagedPage = null);
