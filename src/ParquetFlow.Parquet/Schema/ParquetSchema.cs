using ParquetFlow.Parquet.Format;

namespace ParquetFlow.Parquet.Schema;

/// <summary>
/// A flat schema: an ordered list of leaf columns under one root. Validated on construction so that nothing
/// invalid reaches a file: unique names, logical types that fit their physical types, positive fixed lengths.
/// </summary>
public sealed class ParquetSchema
{
    private readonly ColumnDescriptor[] _columns;
    private readonly Dictionary<string, int> _byName;

    /// <summary>Builds and validates a schema.</summary>
    /// <exception cref="SchemaException">The schema is invalid; the message names the column and the reason.</exception>
    public ParquetSchema(params ColumnDescriptor[] columns)
        : this((IEnumerable<ColumnDescriptor>)columns)
    {
    }

    /// <summary>Builds and validates a schema.</summary>
    public ParquetSchema(IEnumerable<ColumnDescriptor> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = [.. columns];
        if (_columns.Length == 0)
        {
            throw new SchemaException("a schema needs at least one column");
        }

        _byName = new Dictionary<string, int>(StringComparer.Ordinal);
        var folded = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < _columns.Length; i++)
        {
            ColumnDescriptor column = _columns[i] ?? throw new SchemaException($"column {i} is null");
            Validate(column);
            if (!_byName.TryAdd(column.Name, i))
            {
                throw new SchemaException($"duplicate column name '{column.Name}'");
            }

            // DuckDB, Spark and pandas resolve names case-insensitively: 'Price' beside 'price' breaks them.
            if (!folded.TryAdd(column.Name, column.Name))
            {
                throw new SchemaException($"column names '{folded[column.Name]}' and '{column.Name}' differ only in case, which DuckDB and Spark cannot tell apart");
            }
        }
    }

    /// <summary>The leaf columns in file order.</summary>
    public IReadOnlyList<ColumnDescriptor> Columns => _columns;

    /// <summary>Number of columns.</summary>
    public int Count => _columns.Length;

    /// <summary>The column at <paramref name="index"/>.</summary>
    public ColumnDescriptor this[int index] => _columns[index];

    /// <summary>Index of the column named <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name) => _byName.TryGetValue(name, out int index) ? index : -1;

    /// <summary>The footer form: a root group followed by one element per column.</summary>
    internal List<SchemaElement> ToSchemaElements()
    {
        var elements = new List<SchemaElement>(_columns.Length + 1)
        {
            new() { Name = "schema", NumChildren = _columns.Length },
        };
        foreach (ColumnDescriptor c in _columns)
        {
            var element = new SchemaElement
            {
                Name = c.Name,
                Type = c.PhysicalType,
                RepetitionType = c.Repetition,
                LogicalType = c.LogicalType,
                ConvertedType = c.ConvertedType,
            };
            if (c.PhysicalType == PhysicalType.FixedLenByteArray)
            {
                element.TypeLength = c.TypeLength;
            }

            if (c.LogicalType?.Kind == LogicalTypeKind.Decimal)
            {
                element.Precision = c.LogicalType.Precision;
                element.Scale = c.LogicalType.Scale;
            }

            elements.Add(element);
        }

        return elements;
    }

    /// <summary>Rebuilds a flat schema from footer elements (nested groups are not supported).</summary>
    public static ParquetSchema FromSchemaElements(IReadOnlyList<SchemaElement> elements)
    {
        if (elements.Count < 2)
        {
            throw new SchemaException("the footer schema has no columns");
        }

        var columns = new List<ColumnDescriptor>(elements.Count - 1);
        for (int i = 1; i < elements.Count; i++)
        {
            SchemaElement e = elements[i];
            if (e.Type is not PhysicalType type || e.NumChildren is > 0)
            {
                throw new SchemaException($"column '{e.Name}' is a nested group; only flat schemas are supported");
            }

            LogicalType? logical = e.LogicalType ?? FromConverted(e);
            columns.Add(new ColumnDescriptor(e.Name, type, e.RepetitionType ?? Repetition.Required, e.TypeLength ?? 0, logical));
        }

        return new ParquetSchema(columns);
    }

    /// <summary>The logical type a legacy converted type stands for, when there is one (a malformed DECIMAL has none).</summary>
    internal static LogicalType? FromConverted(SchemaElement e) => e.ConvertedType switch
    {
        Parquet.ConvertedType.Utf8 => LogicalType.String(),
        Parquet.ConvertedType.Date => LogicalType.Date(),
        Parquet.ConvertedType.Decimal when e.Precision is int p && p >= 1 && (e.Scale ?? 0) is int s && s >= 0 && s <= p => LogicalType.Decimal(p, s),
        Parquet.ConvertedType.Json => LogicalType.Json(),
        Parquet.ConvertedType.Enum => LogicalType.Enum(),
        Parquet.ConvertedType.TimestampMillis => LogicalType.Timestamp(TimeUnit.Millis),
        Parquet.ConvertedType.TimestampMicros => LogicalType.Timestamp(TimeUnit.Micros),
        Parquet.ConvertedType.Int8 => LogicalType.Integer(8, true),
        Parquet.ConvertedType.Int16 => LogicalType.Integer(16, true),
        Parquet.ConvertedType.Int32 => LogicalType.Integer(32, true),
        Parquet.ConvertedType.Int64 => LogicalType.Integer(64, true),
        Parquet.ConvertedType.UInt8 => LogicalType.Integer(8, false),
        Parquet.ConvertedType.UInt16 => LogicalType.Integer(16, false),
        Parquet.ConvertedType.UInt32 => LogicalType.Integer(32, false),
        Parquet.ConvertedType.UInt64 => LogicalType.Integer(64, false),
        _ => null,
    };

    private static void Validate(ColumnDescriptor c)
    {
        if (string.IsNullOrEmpty(c.Name))
        {
            throw new SchemaException("a column name must not be empty");
        }

        if (c.Repetition == Repetition.Repeated)
        {
            throw new SchemaException($"column '{c.Name}': repeated columns are not supported (flat schemas only)");
        }

        if (c.PhysicalType == PhysicalType.FixedLenByteArray && c.TypeLength <= 0)
        {
            throw new SchemaException($"column '{c.Name}': FIXED_LEN_BYTE_ARRAY needs a positive length, got {c.TypeLength}");
        }

        if (c.PhysicalType != PhysicalType.FixedLenByteArray && c.TypeLength != 0)
        {
            throw new SchemaException($"column '{c.Name}': only FIXED_LEN_BYTE_ARRAY takes a type length");
        }

        if (c.LogicalType is not LogicalType t)
        {
            return;
        }

        PhysicalType p = c.PhysicalType;
        bool fits = t.Kind switch
        {
            LogicalTypeKind.String or LogicalTypeKind.Json or LogicalTypeKind.Enum or LogicalTypeKind.Bson => p == PhysicalType.ByteArray,
            LogicalTypeKind.Date => p == PhysicalType.Int32,
            LogicalTypeKind.Timestamp => p == PhysicalType.Int64,
            LogicalTypeKind.Time => t.Unit == TimeUnit.Millis ? p == PhysicalType.Int32 : p == PhysicalType.Int64,
            LogicalTypeKind.Integer => t.BitWidth == 64 ? p == PhysicalType.Int64 : p == PhysicalType.Int32,
            LogicalTypeKind.Uuid => p == PhysicalType.FixedLenByteArray && c.TypeLength == 16,
            LogicalTypeKind.Float16 => p == PhysicalType.FixedLenByteArray && c.TypeLength == 2,
            LogicalTypeKind.Decimal => p switch
            {
                PhysicalType.Int32 => t.Precision <= 9,
                PhysicalType.Int64 => t.Precision <= 18,
                PhysicalType.FixedLenByteArray => t.Precision <= MaxDecimalPrecision(c.TypeLength),
                PhysicalType.ByteArray => true,
                _ => false,
            },
            _ => false,
        };
        if (!fits)
        {
            string type = p == PhysicalType.FixedLenByteArray ? $"FIXED_LEN_BYTE_ARRAY({c.TypeLength})" : ColumnDescriptor.PhysicalTypeName(p);
            throw new SchemaException($"column '{c.Name}': logical type {t} cannot annotate {type}");
        }
    }

    /// <summary>Largest precision an n-byte two's complement number holds: floor(log10(2^(8n-1) - 1)).</summary>
    internal static int MaxDecimalPrecision(int bytes) => (int)Math.Floor(Math.Log10(Math.Pow(2, (8 * bytes) - 1) - 1));
}
