// The row every cross-process SharedRing test publishes: each column a function of the row's sequence, so any reader
// (C# or Python) can check a row is whole and is the row it claims to be.
using System.Buffers.Binary;
using ParquetFlow.Ipc;

namespace ParquetFlow.Ipc.TestProcess;

internal static class TestRows
{
    public const long TimeBase = 1_700_000_000_000_000_000;

    public static SharedRingBuilder Columns(SharedRingBuilder builder) => builder
        .Column("ts", SharedColumnType.TimestampNs)
        .Column("seq", SharedColumnType.U64)
        .Column("value", SharedColumnType.F64)
        .Column("level", SharedColumnType.I32)
        .Column("ratio", SharedColumnType.F32)
        .Column("code", SharedColumnType.I16)
        .Column("flag", SharedColumnType.Bool)
        .Column("small", SharedColumnType.U8);

    public static void Fill(Span<byte> row, long s)
    {
        BinaryPrimitives.WriteInt64LittleEndian(row[8..], TimeBase + (s * 1000));
        BinaryPrimitives.WriteUInt64LittleEndian(row[16..], (ulong)s);
        BinaryPrimitives.WriteDoubleLittleEndian(row[24..], s * 0.5);
        BinaryPrimitives.WriteInt32LittleEndian(row[32..], (int)(s % 1000) - 500);
        BinaryPrimitives.WriteSingleLittleEndian(row[36..], s % 100000);
        BinaryPrimitives.WriteInt16LittleEndian(row[40..], (short)-(s % 30000));
        row[42] = (byte)(s % 2 == 0 ? 1 : 0);
        row[43] = (byte)(s % 256);
    }

    /// <summary>Null when <paramref name="row"/> is whole row number <paramref name="s"/>, else what is wrong.</summary>
    public static string? Check(ReadOnlySpan<byte> row, long s)
    {
        Span<byte> expected = stackalloc byte[48];
        Fill(expected, s);
        ulong stamp = BinaryPrimitives.ReadUInt64LittleEndian(row);
        if (stamp != (2 * (ulong)s) + 2)
        {
            return $"row {s}: stamp {stamp}";
        }

        return row[8..44].SequenceEqual(expected[8..44]) ? null : $"row {s}: columns differ (seq column {BinaryPrimitives.ReadUInt64LittleEndian(row[16..])})";
    }
}
