using System.Runtime.InteropServices;

namespace ParquetFlow.Collector.Output;

/// <summary>One Parquet row: a register's value from one packet (the layout of <see cref="ParquetOutput.Layout"/>).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal readonly record struct RegisterRow(long TimeUs, int SourceType, int SourceId, int Seq, int Offset, int Value);
