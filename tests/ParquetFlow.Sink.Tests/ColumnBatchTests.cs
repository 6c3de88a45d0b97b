using System.Globalization;
using ParquetFlow.Parquet;
using ParquetFlow.Sink.TestProcess;

namespace ParquetFlow.Sink.Tests;

/// <summary>
/// <see cref="LogSink.TryLogColumns"/>: column batches through the ring as whole entries, widened by the writer thread,
/// read back by DuckDB; order, splitting across entries, row groups and files, refusals, backpressure (a dead writer:
/// <see cref="DeadWriterTests"/>).
/// </summary>
public sealed class ColumnBatchTests
{
    /// <summary>id, then a long and an int column: enough to check order and two widths.</summary>
    private static readonly RecordLayout s_ids = new(RecordField.Int64("id"), RecordField.Int32("producer"), RecordField.Int32("small", logicalType: LogicalType.Integer(16, false)));

    /// <summary>One field per allowed widening: (name, field, values as the source type, the values DuckDB must read).</summary>
    private static readonly (string Name, RecordField Field, Func<long[], int[], ColumnValues> Dense, Func<long, ColumnValues> Repeated, Func<long, string> Expected)[] s_widenings =
    [
        ("i32_sbyte", RecordField.Int32("i32_sbyte"), (v, _) => ColumnValues.Dense<sbyte>(v.Select(x => (sbyte)x).ToArray()), x => ColumnValues.Repeated((sbyte)x), x => ((sbyte)x).ToString(CultureInfo.InvariantCulture)),
        ("i32_byte", RecordField.Int32("i32_byte"), (v, _) => ColumnValues.Dense<byte>(v.Select(x => (byte)x).ToArray()), x => ColumnValues.Repeated((byte)x), x => ((byte)x).ToString(CultureInfo.InvariantCulture)),
        ("i32_short", RecordField.Int32("i32_short"), (v, _) => ColumnValues.Dense<short>(v.Select(x => (short)x).ToArray()), x => ColumnValues.Repeated((short)x), x => ((short)x).ToString(CultureInfo.InvariantCulture)),
        ("i32_ushort", RecordField.Int32("i32_ushort"), (v, _) => ColumnValues.Dense<ushort>(v.Select(x => (ushort)x).ToArray()), x => ColumnValues.Repeated((ushort)x), x => ((ushort)x).ToString(CultureInfo.InvariantCulture)),
        ("i32_int", RecordField.Int32("i32_int"), (v, _) => ColumnValues.Dense<int>(v.Select(x => (int)x).ToArray()), x => ColumnValues.Repeated((int)x), x => ((int)x).ToString(CultureInfo.InvariantCulture)),
        ("i32_uint", RecordField.Int32("i32_uint"), (v, _) => ColumnValues.Dense<uint>(v.Select(x => (uint)x).ToArray()), x => ColumnValues.Repeated((uint)x), x => unchecked((int)(uint)x).ToString(CultureInfo.InvariantCulture)),
        ("i64_sbyte", RecordField.Int64("i64_sbyte"), (v, _) => ColumnValues.Dense<sbyte>(v.Select(x => (sbyte)x).ToArray()), x => ColumnValues.Repeated((sbyte)x), x => ((sbyte)x).ToString(CultureInfo.InvariantCulture)),
        ("i64_byte", RecordField.Int64("i64_byte"), (v, _) => ColumnValues.Dense<byte>(v.Select(x => (byte)x).ToArray()), x => ColumnValues.Repeated((byte)x), x => ((byte)x).ToString(CultureInfo.InvariantCulture)),
        ("i64_short", RecordField.Int64("i64_short"), (v, _) => ColumnValues.Dense<short>(v.Select(x => (short)x).ToArray()), x => ColumnValues.Repeated((short)x), x => ((short)x).ToString(CultureInfo.InvariantCulture)),
        ("i64_ushort", RecordField.Int64("i64_ushort"), (v, _) => ColumnValues.Dense<ushort>(v.Select(x => (ushort)x).ToArray()), x => ColumnValues.Repeated((ushort)x), x => ((ushort)x).ToString(CultureInfo.InvariantCulture)),
        ("i64_int", RecordField.Int64("i64_int"), (v, _) => ColumnValues.Dense<int>(v.Select(x => (int)x).ToArray()), x => ColumnValues.Repeated((int)x), x => ((int)x).ToString(CultureInfo.InvariantCulture)),
        ("i64_uint", RecordField.Int64("i64_uint"), (v, _) => ColumnValues.Dense<uint>(v.Select(x => (uint)x).ToArray()), x => ColumnValues.Repeated((uint)x), x => ((uint)x).ToString(CultureInfo.InvariantCulture)),
        ("i64_long", RecordField.Int64("i64_long"), (v, _) => ColumnValues.Dense<long>(v), x => ColumnValues.Repeated(x), x => x.ToString(CultureInfo.InvariantCulture)),
        ("i64_ulong", RecordField.Int64("i64_ulong"), (v, _) => ColumnValues.Dense<ulong>(v.Select(x => (ulong)x).ToArray()), x => ColumnValues.Repeated((ulong)x), x => x.ToString(CultureInfo.InvariantCulture)),
        ("ts_long", RecordField.Timestamp("ts_long", TimeUnit.Micros), (v, _) => ColumnValues.Dense<long>(v.Select(Micros).ToArray()), x => ColumnValues.Repeated(Micros(x)), x => Micros(x).ToString(CultureInfo.InvariantCulture)),
        // Quarters are exact in float and double, so DuckDB's value times 4 is an integer to compare.
        ("f32", RecordField.Float("f32"), (_, q) => ColumnValues.Dense<float>(q.Select(x => x / 4f).ToArray()), x => ColumnValues.Repeated((int)x / 4f), x => ((int)x).ToString(CultureInfo.InvariantCulture)),
        ("f64_float", RecordField.Double("f64_float"), (_, q) => ColumnValues.Dense<float>(q.Select(x => x / 4f).ToArray()), x => ColumnValues.Repeated((int)x / 4f), x => ((int)x).ToString(CultureInfo.InvariantCulture)),
        ("f64", RecordField.Double("f64"), (_, q) => ColumnValues.Dense<double>(q.Select(x => x / 4d).ToArray()), x => ColumnValues.Repeated((int)x / 4d), x => ((int)x).ToString(CultureInfo.InvariantCulture)),
        ("yes_no", RecordField.Boolean("yes_no"), (v, _) => ColumnValues.Dense<bool>(v.Select(x => x % 3 == 0).ToArray()), x => ColumnValues.Repeated(x % 3 == 0), x => x % 3 == 0 ? "1" : "0"),
    ];

    /// <summary>A timestamp DuckDB reads (years 1938 .. 2001) from any value.</summary>
    private static long Micros(long x) => 1_000_000_000_000_000 + (x % 1_000_000_000_000_000);

    private static bool IsFloat(string name) => name is "f32" or "f64_float" or "f64";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_allowed_widening_round_trips_dense_and_repeated(bool multiProducer)
    {
        using var t = new TestSupport();
        var layout = new RecordLayout(s_widenings.Select(w => w.Field).ToArray());
        Assert.True(layout.AcceptsColumns);
        int seed = Environment.TickCount;
        var random = new Random(seed);

        // Extremes of every source type (sign and zero extension), then random values; lengths around the vector width.
        long[] special = [0, 1, -1, sbyte.MinValue, sbyte.MaxValue, byte.MaxValue, short.MinValue, short.MaxValue, ushort.MaxValue, int.MinValue, int.MaxValue, uint.MaxValue, long.MinValue, long.MaxValue];
        var expected = new List<long>();
        var quarters = new List<int>();
        string file = t.PathOf("w.parquet");
        using (var sink = new LogSink(layout, new LogSinkOptions { FilePattern = file, MultiProducer = multiProducer, FullMode = RingFullMode.Wait, RowGroupRows = 100 }))
        {
            foreach (int rows in new[] { special.Length, 1, 7, 8, 15, 16, 17, 33, 250 })
            {
                long[] values = rows == special.Length ? special : [.. Enumerable.Range(0, rows).Select(_ => random.NextInt64(long.MinValue, long.MaxValue))];
                int[] q = [.. Enumerable.Range(0, rows).Select(_ => random.Next(-1_000_000, 1_000_000))];
                Assert.Equal(LogResult.Ok, sink.TryLogColumns(rows, [.. s_widenings.Select(w => w.Dense(values, q))]));
                expected.AddRange(values);
                quarters.AddRange(q);

                // The same kinds as one repeated value for a batch of rows.
                long one = random.NextInt64(long.MinValue, long.MaxValue);
                int quarter = random.Next(-1_000_000, 1_000_000);
                Assert.Equal(LogResult.Ok, sink.TryLogColumns(rows, [.. s_widenings.Select(w => w.Repeated(IsFloat(w.Name) ? quarter : one))]));
                expected.AddRange(Enumerable.Repeat(one, rows));
                quarters.AddRange(Enumerable.Repeat(quarter, rows));
            }

            sink.Flush();
            Assert.Equal(expected.Count, sink.Statistics.Logged);
            Assert.Equal(expected.Count, sink.Statistics.Written);
        }

        foreach ((string name, _, _, _, Func<long, string> render) in s_widenings)
        {
            string column = IsFloat(name) ? $"({name} * 4)::BIGINT" : name == "yes_no" ? "yes_no::INT" : name == "ts_long" ? "epoch_us(ts_long)" : name;
            string want = string.Join(",", (IsFloat(name) ? quarters.Select(x => (long)x) : expected).Select(render));
            Assert.True(want == (string?)TestSupport.Scalar($"SELECT string_agg({column}::VARCHAR, ',' ORDER BY file_row_number) FROM read_parquet({{f}}, file_row_number = true)", file), $"column {name} (seed {seed})");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Records_and_batches_of_one_producer_keep_their_order(bool multiProducer)
    {
        using var t = new TestSupport();
        int seed = Environment.TickCount;
        var random = new Random(seed);
        string file = t.PathOf("o.parquet");
        long id = 0;
        using (var sink = new LogSink(s_ids, new LogSinkOptions { FilePattern = file, MultiProducer = multiProducer, FullMode = RingFullMode.Wait, RowGroupRows = 1000, RingCapacityBytes = 1 << 14 }))
        {
            var ids = new long[3000];
            while (id < 50_000)
            {
                if (random.Next(3) == 0)
                {
                    Assert.Equal(LogResult.Ok, sink.TryLog(new IdRow(id++, 7, 3)));
                    continue;
                }

                int rows = random.Next(1, ids.Length);
                for (int i = 0; i < rows; i++)
                {
                    ids[i] = id + i;
                }

                Assert.Equal(LogResult.Ok, sink.TryLogColumns(rows, [ColumnValues.Dense<long>(ids.AsMemory(0, rows)), ColumnValues.Repeated(7), ColumnValues.Repeated((ushort)3)]));
                id += rows;
            }
        }

        Assert.Equal(id, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f}, file_row_number = true) WHERE id = file_row_number AND producer = 7 AND small = 3", file)));
        Assert.True(id == Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f})", file)), $"seed {seed}");
    }

    [Fact]
    public void A_batch_spans_row_groups_and_files_within_their_limits_and_a_flush_covers_all_of_it()
    {
        using var t = new TestSupport();
        const int Rows = 10_000;
        long[] ids = [.. Enumerable.Range(0, Rows).Select(i => (long)i)];
        ushort[] small = [.. Enumerable.Range(0, Rows).Select(i => (ushort)(i * 7))];
        using (var sink = new LogSink(s_ids, new LogSinkOptions { FilePattern = t.PathOf("s-{seq}.parquet"), RowGroupRows = 1000, MaxRowsPerFile = 2500, RowGroupTimeout = TimeSpan.FromHours(1) }))
        {
            Assert.Equal(LogResult.Ok, sink.TryLogColumns(Rows, [ColumnValues.Dense<long>(ids), ColumnValues.Repeated(1), ColumnValues.Dense<ushort>(small)]));

            // Nothing else comes, and the row groups are not due for an hour: only the flush makes the last ones durable.
            sink.Flush();
            LogSinkStatistics stats = sink.Statistics;
            Assert.Equal(Rows, stats.Logged);
            Assert.Equal(Rows, stats.Written);
            Assert.Equal(4, stats.Files);
        }

        string[] files = t.ParquetFiles();
        Assert.Equal(4, files.Length);
        foreach (string file in files)
        {
            ParquetFooter footer = ParquetFooter.Read(file);
            Assert.Equal([1000L, 1000L, 500L], footer.Metadata.RowGroups.Select(g => g.NumRows));
        }

        Assert.Equal(0L, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f}, filename = true, file_row_number = true) WHERE id <> file_row_number + 2500 * (regexp_extract(filename, 's-(\\d+)', 1)::INT) OR small <> (id * 7) % 65536", files)));
        Assert.Equal((long)Rows * (Rows - 1) / 2, Convert.ToInt64(TestSupport.Scalar("SELECT sum(id)::BIGINT FROM read_parquet({f})", files)));
    }

    [Fact]
    public void A_batch_longer_than_the_ring_takes_is_split_into_entries_and_rotates_by_bytes()
    {
        using var t = new TestSupport();
        const int Rows = 65_536;
        long[] ids = [.. Enumerable.Range(0, Rows).Select(i => (long)i)];
        ushort[] small = [.. Enumerable.Range(0, Rows).Select(i => (ushort)i)];
        LogSinkStatistics stats;
        using (var sink = new LogSink(s_ids, new LogSinkOptions { FilePattern = t.PathOf("l.parquet"), RingCapacityBytes = 1 << 12, FullMode = RingFullMode.Wait, RowGroupRows = 20_000, MaxBytesPerFile = 1, Compression = CompressionCodec.Uncompressed }))
        {
            // 10 bytes a row in a ring that takes 2,044-byte entries: about 200 entries, each waiting for room.
            Assert.True(sink.Ring.MaxRecordLength < Rows * 10);
            Assert.Equal(LogResult.Ok, sink.TryLogColumns(Rows, [ColumnValues.Dense<long>(ids), ColumnValues.Repeated((sbyte)-2), ColumnValues.Dense<ushort>(small)]));
            sink.Flush();
            stats = sink.Statistics;
        }

        Assert.Equal(Rows, stats.Logged);
        Assert.Equal(Rows, stats.Written);
        Assert.Equal(0, stats.Invalid + stats.Dropped);

        // Every row group completes a file (MaxBytesPerFile = 1): 20,000 x 3 + 5,536.
        string[] files = t.ParquetFiles();
        Assert.Equal(4, files.Length);
        Assert.Equal([20_000L, 20_000L, 20_000L, 5_536L], files.Select(f => ParquetFooter.Read(f).Metadata.NumRows).Order().Reverse());
        Assert.Equal((long)Rows, Convert.ToInt64(TestSupport.Scalar("SELECT count(DISTINCT id) FROM read_parquet({f}) WHERE small = id AND producer = -2", files)));
    }

    [Fact]
    public void Invalid_batches_are_refused_counted_by_their_rows_and_never_reach_a_file()
    {
        using var t = new TestSupport();
        long[] ids = [1, 2, 3];
        var sink = new LogSink(s_ids, new LogSinkOptions { FilePattern = t.PathOf("i.parquet") });
        using (sink)
        {
            ColumnValues id = ColumnValues.Dense<long>(ids);
            ColumnValues one = ColumnValues.Repeated(1);
            (int Rows, ColumnValues[] Columns, string Why)[] refused =
            [
                (3, [id, one], "a column missing"),
                (3, [id, one, one, one], "a column too many"),
                (3, [id, one, default], "a default column"),
                (4, [id, one, one], "a dense column shorter than the rows"),
                (2, [id, one, one], "a dense column longer than the rows"),
                (3, [ColumnValues.Dense<int>(new int[3]), one, ColumnValues.Dense<long>(ids)], "a long into an Int32 field"),
                (3, [id, ColumnValues.Repeated(1L), one], "a repeated long into an Int32 field"),
                (3, [id, ColumnValues.Repeated(1f), one], "a float into an Int32 field"),
                (3, [ColumnValues.Dense<double>(new double[3]), one, one], "a double into an Int64 field"),
                (3, [id, ColumnValues.Repeated(true), one], "a bool into an Int32 field"),
                (3, [id, ColumnValues.Repeated('x'), one], "a char, which no field takes"),
                (3, [id, ColumnValues.Dense<decimal>(new decimal[3]), one], "a decimal, which no field takes"),
            ];
            long invalid = 0;
            foreach ((int rows, ColumnValues[] columns, string why) in refused)
            {
                Assert.True(LogResult.Invalid == sink.TryLogColumns(rows, columns), why);
                invalid += rows;
                Assert.True(invalid == sink.Statistics.Invalid, why);
            }

            Assert.Equal(LogResult.Invalid, sink.TryLogColumns(-1, [id, one, one]));
            Assert.Equal(invalid + 1, sink.Statistics.Invalid);
            Assert.Equal(LogResult.Ok, sink.TryLogColumns(0, [ColumnValues.Dense<long>(Array.Empty<long>()), one, one]));
            Assert.Equal(LogResult.Ok, sink.TryLogColumns(3, [id, one, ColumnValues.Repeated((ushort)9)]));
            sink.Flush();
            Assert.Equal(3, sink.Statistics.Logged);
        }

        Assert.Equal(3L, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f}) WHERE small = 9", t.PathOf("i.parquet"))));

        // Layouts a batch cannot describe (a null bitmap, strings, fixed bytes), and a ring too small for one row beside
        // the descriptors (16 bytes a column): refused whatever the columns.
        foreach ((RecordLayout layout, int ring) in new[]
        {
            (new RecordLayout(RecordField.Int64("a"), RecordField.Int32("b", nullable: true)), 1 << 16),
            (new RecordLayout(RecordField.Int64("a"), RecordField.ByteArray("b")), 1 << 16),
            (new RecordLayout(RecordField.Int64("a"), RecordField.FixedString("b", 4)), 1 << 16),
            (new RecordLayout(RecordField.Int64("a"), RecordField.Int96("b")), 1 << 16),
            (new RecordLayout(Enumerable.Range(0, 8).Select(i => RecordField.Int32("c" + i)).ToArray()), 256),
        })
        {
            using var other = new LogSink(layout, new LogSinkOptions { FilePattern = t.PathOf($"x{Guid.NewGuid():N}.parquet"), RingCapacityBytes = ring });
            Assert.Equal(ring == 256, layout.AcceptsColumns);
            Assert.Equal(LogResult.Invalid, other.TryLogColumns(2, [.. layout.Fields.Select(_ => ColumnValues.Repeated(1))]));
            Assert.Equal(2, other.Statistics.Invalid);
            Assert.Equal(0, other.Statistics.Logged);
        }
    }

    [Fact]
    public void Several_producers_of_batches_lose_nothing_and_each_keeps_its_order()
    {
        using var t = new TestSupport();
        int seed = Environment.TickCount;
        const int Producers = 4;
        const int PerProducer = 60_000;
        string file = t.PathOf("m.parquet");
        using (var sink = new LogSink(s_ids, new LogSinkOptions { FilePattern = file, MultiProducer = true, FullMode = RingFullMode.Wait, RowGroupRows = 5000, RingCapacityBytes = 1 << 15 }))
        {
            Parallel.For(0, Producers, new ParallelOptions { MaxDegreeOfParallelism = Producers }, p =>
            {
                var random = new Random(seed + p);
                long[] ids = new long[4000];
                for (int next = 0; next < PerProducer;)
                {
                    int rows = Math.Min(PerProducer - next, random.Next(1, ids.Length));
                    for (int i = 0; i < rows; i++)
                    {
                        ids[i] = next + i;
                    }

                    Assert.Equal(LogResult.Ok, sink.TryLogColumns(rows, [ColumnValues.Dense<long>(ids.AsMemory(0, rows)), ColumnValues.Repeated(p), ColumnValues.Repeated((byte)p)]));
                    next += rows;
                }
            });
            sink.Flush();
            Assert.Equal(Producers * PerProducer, sink.Statistics.Logged);
            Assert.Equal(Producers * PerProducer, sink.Statistics.Written);
        }

        Assert.True((long)Producers * PerProducer == Convert.ToInt64(TestSupport.Scalar("SELECT count(DISTINCT (producer, id)) FROM read_parquet({f}) WHERE small = producer", file)), $"seed {seed}");
        Assert.True(0L == Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM (SELECT id - lag(id, 1, -1) OVER (PARTITION BY producer ORDER BY file_row_number) AS step FROM read_parquet({f}, file_row_number = true)) WHERE step <> 1", file)), $"a producer's rows out of order (seed {seed})");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_full_ring_in_drop_mode_counts_every_row_of_what_did_not_fit(bool multiProducer)
    {
        using var t = new TestSupport();
        using var sink = new LogSink(s_ids, new LogSinkOptions { FilePattern = t.PathOf("d.parquet"), MultiProducer = multiProducer, RingCapacityBytes = 1 << 12 });
        sink.PauseWriter(true);
        long[] ids = new long[1000];
        long attempted = 0;
        int full = 0;
        for (int b = 0; b < 40; b++)
        {
            attempted += 10;
            full += sink.TryLogColumns(10, [ColumnValues.Dense<long>(ids.AsMemory(0, 10)), ColumnValues.Repeated(b), ColumnValues.Repeated((ushort)1)]) == LogResult.Full ? 1 : 0;
        }

        // 10 rows take 8 + 48 + 80 bytes: 3 slots an entry, 21 entries in a ring of 64 slots.
        LogSinkStatistics stats = sink.Statistics;
        Assert.Equal(210, stats.Logged);
        Assert.Equal(19, full);
        Assert.Equal(190, stats.Dropped);

        // A batch of many entries into a ring with room for some: its first entries go in, the rest is dropped, counted.
        sink.PauseWriter(false);
        sink.Flush();
        sink.PauseWriter(true);
        Assert.Equal(LogResult.Full, sink.TryLogColumns(ids.Length, [ColumnValues.Dense<long>(ids), ColumnValues.Repeated(0), ColumnValues.Repeated((ushort)1)]));
        stats = sink.Statistics;
        Assert.True(stats.Logged > 210, $"logged {stats.Logged}");
        Assert.Equal(attempted + ids.Length, stats.Logged + stats.Dropped);
        sink.PauseWriter(false);
        sink.Flush();
        Assert.Equal(sink.Statistics.Logged, sink.Statistics.Written);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Each_column_keeps_its_values_whatever_form_each_batch_brings_them_in(bool multiProducer)
    {
        // The writer keeps a column as runs while batches repeat its value, at the narrow width while they bring one
        // element type, and turns it dense when a batch (or a record) brings anything else: every change of form at
        // every point of a row group must keep each value where it was.
        using var t = new TestSupport();
        int seed = Environment.TickCount;
        var random = new Random(seed);
        string file = t.PathOf("forms.parquet");
        var expected = new List<(long Id, int Producer, int Small)>();
        using (var sink = new LogSink(s_ids, new LogSinkOptions { FilePattern = file, MultiProducer = multiProducer, FullMode = RingFullMode.Wait, RowGroupRows = 700, RingCapacityBytes = 1 << 14 }))
        {
            while (expected.Count < 30_000)
            {
                if (random.Next(10) == 0)
                {
                    var row = new IdRow(random.NextInt64(), random.Next(), random.Next(65_536));
                    Assert.Equal(LogResult.Ok, sink.TryLog(row));
                    expected.Add((row.Id, row.Producer, row.Small));
                    continue;
                }

                int rows = random.Next(1, 300);
                long[] ids = new long[rows];
                int[] producers = new int[rows];
                int[] smalls = new int[rows];
                ColumnValues id = Form(random.Next(4), ids, random.NextInt64(), () => random.NextInt64(), v => (short)v, v => (int)v);
                ColumnValues producer = Form(random.Next(4), producers, random.Next(), () => random.Next(), v => (byte)v, v => (ushort)v);
                ColumnValues small = Form(random.Next(4), smalls, random.Next(65_536), () => random.Next(65_536), v => (ushort)v, v => (byte)v);
                Assert.Equal(LogResult.Ok, sink.TryLogColumns(rows, [id, producer, small]));
                for (int i = 0; i < rows; i++)
                {
                    expected.Add((ids[i], producers[i], smalls[i]));
                }
            }
        }

        string want = string.Join(",", expected.Select(e => $"{e.Id}:{e.Producer}:{e.Small}"));
        string? got = (string?)TestSupport.Scalar("SELECT string_agg(id::VARCHAR || ':' || producer::VARCHAR || ':' || small::VARCHAR, ',' ORDER BY file_row_number) FROM read_parquet({f}, file_row_number = true)", file);
        Assert.True(want == got, $"rows differ (seed {seed})");

        // One column's batch in one of four forms (a repeated value; dense at the field's width; dense in two narrower
        // element types, which the writer keeps narrow, then widens), recording the values the file must hold.
        static ColumnValues Form<T, TNarrow, TOther>(int form, T[] values, T one, Func<T> next, Func<T, TNarrow> narrow, Func<T, TOther> other)
            where T : unmanaged, System.Numerics.IBinaryInteger<T>
            where TNarrow : unmanaged, System.Numerics.IBinaryInteger<TNarrow>
            where TOther : unmanaged, System.Numerics.IBinaryInteger<TOther>
        {
            switch (form)
            {
                case 0:
                    Array.Fill(values, one);
                    return typeof(T) == typeof(long) ? ColumnValues.Repeated(long.CreateTruncating(one)) : ColumnValues.Repeated(int.CreateTruncating(one));
                case 1:
                    TNarrow[] n = new TNarrow[values.Length];
                    for (int i = 0; i < values.Length; i++)
                    {
                        n[i] = narrow(next());
                        values[i] = T.CreateTruncating(n[i]);
                    }

                    return ColumnValues.Dense<TNarrow>(n);
                case 2:
                    TOther[] o = new TOther[values.Length];
                    for (int i = 0; i < values.Length; i++)
                    {
                        o[i] = other(next());
                        values[i] = T.CreateTruncating(o[i]);
                    }

                    return ColumnValues.Dense<TOther>(o);
                default:
                    for (int i = 0; i < values.Length; i++)
                    {
                        values[i] = next();
                    }

                    return ColumnValues.Dense<T>(values);
            }
        }
    }

    [Fact]
    public void A_collector_partition_holds_a_few_bytes_a_row_while_its_row_group_fills()
    {
        // The collector's rows: a packet's time, source and sequence repeated over its registers, the offsets and
        // values dense UInt16. 28 bytes a row at the fields' width; kept as runs and at UInt16, about 4.
        var layout = new RecordLayout(
            RecordField.Timestamp("time", TimeUnit.Micros),
            RecordField.Int32("source_type", logicalType: LogicalType.Integer(8, false)),
            RecordField.Int32("source_id"),
            RecordField.Int32("seq"),
            RecordField.Int32("offset", logicalType: LogicalType.Integer(16, false)),
            RecordField.Int32("value", logicalType: LogicalType.Integer(16, false)));
        const int Packets = 655;
        const int Registers = 100;
        var batch = new ColumnBatch(layout, 65_536);
        ushort[] offsets = [.. Enumerable.Range(0, Registers).Select(i => (ushort)(i * 3))];
        ushort[] values = new ushort[Registers];
        byte[] entry = new byte[ColumnBatchEntry.HeadSize(6) + (Registers * 4)];
        for (int p = 0; p < Packets; p++)
        {
            for (int i = 0; i < Registers; i++)
            {
                values[i] = (ushort)(p + i);
            }

            ColumnValues[] columns = [ColumnValues.Repeated(1_700_000_000_000_000L + p), ColumnValues.Repeated((byte)1), ColumnValues.Repeated(42), ColumnValues.Repeated(p), ColumnValues.Dense<ushort>(offsets), ColumnValues.Dense<ushort>(values)];
            new ColumnBatchEntry(layout, columns, 0, Registers, 4).CopyTo(entry);
            batch.AppendColumns(entry, 0, Registers);
        }

        const int Rows = Packets * Registers;
        Assert.Equal(Rows, batch.Rows);
        Assert.True(batch.AllocatedBytes < Rows * 5, $"{batch.AllocatedBytes} bytes for {Rows} rows");

        using var t = new TestSupport();
        string file = t.PathOf("collector.parquet");
        using (var durable = new DurableParquetFile(file + ParquetRecovery.InProgressSuffix, layout.Schema, new ParquetWriterOptions(), durable: true, Durability.Storage.Default, DateTime.UtcNow))
        {
            RowGroupWriter group = durable.BeginRowGroup();
            batch.WriteTo(group);
            durable.EndRowGroup(group, Rows);
            durable.Complete(file);
        }

        Assert.Equal((long)Rows, Convert.ToInt64(TestSupport.Scalar(
            "SELECT count(*) FROM read_parquet({f}, file_row_number = true) WHERE seq = file_row_number // 100 AND epoch_us(time) = 1700000000000000 + seq "
            + "AND source_type = 1 AND source_id = 42 AND \"offset\" = (file_row_number % 100) * 3 AND value = seq + file_row_number % 100", file)));
    }

    [Fact]
    public unsafe void Dense_columns_read_array_slices_and_memory_managers_from_where_they_start()
    {
        using var t = new TestSupport();
        string file = t.PathOf("memory.parquet");
        long[] ids = [.. Enumerable.Range(0, 110).Select(i => (long)i - 10)];
        ushort* native = (ushort*)System.Runtime.InteropServices.NativeMemory.Alloc(200, sizeof(ushort));
        try
        {
            using var manager = new NativeManager(native, 200);
            for (int i = 0; i < 200; i++)
            {
                native[i] = (ushort)(60_000 + i);
            }

            using (var sink = new LogSink(s_ids, new LogSinkOptions { FilePattern = file }))
            {
                // Rows 0..99: ids 0..99 from offset 10 of the array, small from offset 50 of native memory.
                Assert.Equal(LogResult.Ok, sink.TryLogColumns(100, [ColumnValues.Dense<long>(ids.AsMemory(10, 100)), ColumnValues.Repeated(3), ColumnValues.Dense<ushort>(manager.Memory.Slice(50, 100))]));
            }
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(native);
        }

        Assert.Equal(100L, Convert.ToInt64(TestSupport.Scalar("SELECT count(*) FROM read_parquet({f}, file_row_number = true) WHERE id = file_row_number AND small = 60050 + id AND producer = 3", file)));
    }

    /// <summary>A <see cref="System.Buffers.MemoryManager{T}"/> over native memory: memory that is no array.</summary>
    private sealed unsafe class NativeManager(ushort* pointer, int length) : System.Buffers.MemoryManager<ushort>
    {
        public override Span<ushort> GetSpan() => new(pointer, length);

        public override System.Buffers.MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }

    [Fact]
    public void Widening_matches_the_scalar_conversion_at_every_length_around_the_vector_width()
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        for (int length = 0; length <= 70; length++)
        {
            byte[] raw = new byte[length * 8];
            random.NextBytes(raw);
            Check<sbyte, int>(raw, length);
            Check<byte, int>(raw, length);
            Check<short, int>(raw, length);
            Check<ushort, int>(raw, length);
            Check<uint, int>(raw, length);
            Check<sbyte, long>(raw, length);
            Check<byte, long>(raw, length);
            Check<short, long>(raw, length);
            Check<ushort, long>(raw, length);
            Check<int, long>(raw, length);
            Check<uint, long>(raw, length);
            Check<ulong, long>(raw, length);
            float[] floats = [.. Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() - 0.5) * 1e30))];
            double[] doubles = new double[length];
            ColumnWidening.Widen<float, double>(floats, doubles);
            Assert.True(floats.Select(f => (double)f).SequenceEqual(doubles), $"float to double, {length} (seed {seed})");
            byte[] booleans = new byte[length];
            ColumnWidening.CopyBooleans(raw.AsSpan(0, length), booleans);
            Assert.True(raw.Take(length).Select(b => b != 0 ? (byte)1 : (byte)0).SequenceEqual(booleans), $"booleans, {length} (seed {seed})");
        }

        void Check<TFrom, TTo>(byte[] raw, int length)
            where TFrom : unmanaged, System.Numerics.INumberBase<TFrom>
            where TTo : unmanaged, System.Numerics.INumberBase<TTo>
        {
            ReadOnlySpan<TFrom> source = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, TFrom>(raw)[..length];
            var widened = new TTo[length + 1];
            ColumnWidening.Widen(source, widened.AsSpan());
            for (int i = 0; i < length; i++)
            {
                Assert.True(TTo.CreateTruncating(source[i]).Equals(widened[i]), $"{typeof(TFrom).Name} to {typeof(TTo).Name}: element {i} of {length} is {widened[i]}, not {TTo.CreateTruncating(source[i])} (seed {seed})");
            }

            Assert.Equal(default, widened[length]);
        }
    }

    /// <summary>A record of <see cref="s_ids"/>.</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Pack = 1)]
    private readonly record struct IdRow(long Id, int Producer, int Small);
}
