using ParquetFlow.Parquet;
using ParquetSharp;
using static ParquetFlow.Interop.Tests.RoundTripMatrixTests;

namespace ParquetFlow.Interop.Tests;

/// <summary>Checks, through Arrow's view of the footer, that a matrix cell really used the encodings and codec it asked for.</summary>
internal static class ChunkLayout
{
    public static void AssertEncodingsAndCodec(string path, GeneratedTable table, CompressionCodec codec, EncodingMode mode, DataPageVersion version)
    {
        Compression expectedCodec = codec switch
        {
            CompressionCodec.Uncompressed => Compression.Uncompressed,
            CompressionCodec.Snappy => Compression.Snappy,
            CompressionCodec.Gzip => Compression.Gzip,
            CompressionCodec.Zstd => Compression.Zstd,
            CompressionCodec.Lz4Raw => Compression.Lz4,
            _ => throw new ArgumentOutOfRangeException(nameof(codec)),
        };
        IReadOnlyList<ColumnCase> cases = table.Cases;
        using var file = new ParquetFileReader(path);
        using ParquetSharp.FileMetaData meta = file.FileMetaData;
        int start = 0;
        for (int g = 0; g < meta.NumRowGroups; g++)
        {
            using RowGroupReader rg = file.RowGroup(g);
            int rows = checked((int)rg.MetaData.NumRows);
            for (int c = 0; c < cases.Count; c++)
            {
                using ColumnChunkMetaData chunk = rg.MetaData.GetColumnChunkMetaData(c);
                Assert.Equal(expectedCodec, chunk.Compression);
                if (Array.TrueForAll(table.Columns[c][start..(start + rows)], v => v is null))
                {
                    continue; // no values, so no value encoding to check
                }

                Encoding[] encodings = chunk.Encodings;
                string where = $"{cases[c].Name} row group {g}: encodings [{string.Join(", ", encodings)}]";
                bool dictionary = encodings.Contains(Encoding.RleDictionary) || encodings.Contains(Encoding.PlainDictionary);
                if (mode == EncodingMode.Automatic && version == DataPageVersion.V1)
                {
                    // The default profile: PLAIN and dictionary values, RLE levels, nothing else.
                    Assert.All(encodings, e => Assert.True(e is Encoding.Plain or Encoding.RleDictionary or Encoding.PlainDictionary or Encoding.Rle, where));
                }

                switch (mode, cases[c].Kind)
                {
                    case (EncodingMode.Plain, _):
                        Assert.False(dictionary, where);
                        Assert.Contains(Encoding.Plain, encodings);
                        break;
                    case (EncodingMode.Dictionary, not ValueKind.Bool):
                        Assert.True(dictionary, where);
                        break;
                    case (EncodingMode.TypeSpecific, ValueKind.Int32 or ValueKind.UInt32 or ValueKind.Int64 or ValueKind.UInt64):
                        Assert.True(encodings.Contains(Encoding.DeltaBinaryPacked), where);
                        break;
                    case (EncodingMode.TypeSpecific, ValueKind.Float or ValueKind.Double):
                        Assert.True(encodings.Contains(Encoding.ByteStreamSplit), where);
                        break;
                }
            }

            start += rows;
        }
    }
}
