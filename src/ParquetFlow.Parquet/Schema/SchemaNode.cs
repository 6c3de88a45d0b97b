using ParquetFlow.Parquet.Format;

namespace ParquetFlow.Parquet.Schema;

/// <summary>
/// One node of a footer's schema tree as the file describes it: the root, a group (a struct, a list, a map, or one of
/// their repeated inner groups) or a leaf column. Built by <see cref="SchemaTree.FromSchemaElements"/>; immutable.
/// Unlike <see cref="ParquetSchema"/>, which is what the writer writes, it describes any valid nesting.
/// </summary>
public sealed class SchemaNode
{
    private readonly List<SchemaNode> _children = [];

    internal SchemaNode(SchemaElement element, SchemaNode? parent, int leafIndex)
    {
        Element = element;
        Parent = parent;
        LeafIndex = leafIndex;
        Depth = parent is null ? 0 : parent.Depth + 1;
        Repetition = parent is null ? Repetition.Required : element.RepetitionType ?? Repetition.Required;
        Path = parent is null ? [] : [.. parent.Path, element.Name];
        int optional = Repetition is Repetition.Optional or Repetition.Repeated ? 1 : 0;
        MaxDefinitionLevel = (parent?.MaxDefinitionLevel ?? 0) + optional;
        MaxRepetitionLevel = (parent?.MaxRepetitionLevel ?? 0) + (Repetition == Repetition.Repeated ? 1 : 0);
        LogicalType = element.LogicalType ?? ParquetSchema.FromConverted(element);
        if (leafIndex >= 0)
        {
            PhysicalType type = element.Type!.Value;
            Column = new ColumnDescriptor(DottedPath, type, Repetition, type == PhysicalType.FixedLenByteArray ? element.TypeLength ?? 0 : 0, LogicalType);
        }
    }

    /// <summary>The footer element this node was built from.</summary>
    public SchemaElement Element { get; }

    /// <summary>The enclosing group, or null for the root.</summary>
    public SchemaNode? Parent { get; }

    /// <summary>The node's name (the root's is the schema's name, often "schema").</summary>
    public string Name => Element.Name;

    /// <summary>0 for the root, 1 for its children, ...</summary>
    public int Depth { get; }

    /// <summary>Required, optional or repeated (the root counts as required).</summary>
    public Repetition Repetition { get; }

    /// <summary>The names from below the root down to this node: what a column chunk's path_in_schema holds.</summary>
    public IReadOnlyList<string> Path { get; }

    /// <summary>The path joined with dots (<c>items.list.element</c>).</summary>
    public string DottedPath => string.Join('.', Path);

    /// <summary>The node's children in file order (empty for a leaf).</summary>
    public IReadOnlyList<SchemaNode> Children => _children;

    /// <summary>True for a leaf column, which has a physical type and column chunks.</summary>
    public bool IsLeaf => LeafIndex >= 0;

    /// <summary>The leaf's position among the leaves (the index of its chunk in every row group), or -1 for a group.</summary>
    public int LeafIndex { get; }

    /// <summary>The logical annotation, from the logical type or else the legacy converted type; null when neither says.</summary>
    public LogicalType? LogicalType { get; }

    /// <summary>The leaf as a column descriptor named by its dotted path (to format and compare statistics); null for a group.</summary>
    public ColumnDescriptor? Column { get; }

    /// <summary>The largest definition level of values below this node (optional and repeated ancestors, itself included).</summary>
    public int MaxDefinitionLevel { get; }

    /// <summary>The largest repetition level of values below this node (repeated ancestors, itself included).</summary>
    public int MaxRepetitionLevel { get; }

    internal void AddChild(SchemaNode child) => _children.Add(child);
}
