namespace ParquetFlow.Sink;

/// <summary>
/// The element type of a <see cref="ColumnValues"/> as given by the producer (its code is stored in a column-batch
/// entry, docs/formats.md "Log-sink ring"). <see cref="None"/>: a type no field takes, or a default <see cref="ColumnValues"/>.
/// </summary>
internal enum ColumnElement : byte
{
    None = 0,
    Boolean = 1,
    SByte = 2,
    Byte = 3,
    Int16 = 4,
    UInt16 = 5,
    Int32 = 6,
    UInt32 = 7,
    Int64 = 8,
    UInt64 = 9,
    Single = 10,
    Double = 11,
}
