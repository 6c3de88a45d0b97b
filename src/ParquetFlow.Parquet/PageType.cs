namespace ParquetFlow.Parquet;

/// <summary>Kinds of pages in a column chunk; values are the format's Thrift enum values.</summary>
public enum PageType
{
    DataPage = 0,
    IndexPage = 1,
    DictionaryPage = 2,
    DataPageV2 = 3,
}
