namespace ParquetFlow.Parquet.Thrift;

/// <summary>Writes one Thrift struct (a metadata type's <c>Write</c> method), so that callers can serialize any of them alike.</summary>
internal delegate void ThriftStructWriter(ref ThriftCompactWriter writer);
