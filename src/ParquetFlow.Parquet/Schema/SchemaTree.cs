using ParquetFlow.Parquet.Format;

namespace ParquetFlow.Parquet.Schema;

/// <summary>
/// The schema tree a footer's flattened schema elements describe (depth first, each group followed by its
/// <c>num_children</c> children), with its leaf columns in chunk order. Built without recursion; a schema that does not
/// form one tree, nests deeper than <see cref="MaxDepth"/>, or has a leaf no reader could read (no physical type, an
/// unknown one, a FIXED_LEN_BYTE_ARRAY without a length) is refused with a <see cref="ParquetFormatException"/>.
/// </summary>
public sealed class SchemaTree
{
    /// <summary>How deep groups may nest below the root (Arrow and parquet-mr readers stop far earlier in practice).</summary>
    public const int MaxDepth = 100;

    private SchemaTree(SchemaNode root, List<SchemaNode> nodes, List<SchemaNode> leaves)
    {
        Root = root;
        Nodes = nodes;
        Leaves = leaves;
    }

    /// <summary>The root group.</summary>
    public SchemaNode Root { get; }

    /// <summary>Every node, root first, in footer (depth-first) order.</summary>
    public IReadOnlyList<SchemaNode> Nodes { get; }

    /// <summary>The leaf columns in file order: leaf i's chunk is column i of every row group.</summary>
    public IReadOnlyList<SchemaNode> Leaves { get; }

    /// <summary>True when every column sits directly under the root and none repeats: what <see cref="ParquetSchema"/> models.</summary>
    public bool IsFlat => Nodes.Count == Leaves.Count + 1 && Leaves.All(l => l.Repetition != Repetition.Repeated);

    /// <summary>Builds the tree; throws <see cref="ParquetFormatException"/> naming the element that does not fit.</summary>
    public static SchemaTree FromSchemaElements(IReadOnlyList<SchemaElement> elements)
    {
        if (elements.Count == 0)
        {
            throw new ParquetFormatException("the footer's schema is empty: it has no root element");
        }

        SchemaElement first = elements[0];
        int rootChildren = first.NumChildren ?? 0;
        if (rootChildren < 0)
        {
            throw new ParquetFormatException($"the schema root '{first.Name}' declares {rootChildren} children");
        }

        var root = new SchemaNode(first, null, -1);
        var nodes = new List<SchemaNode> { root };
        var leaves = new List<SchemaNode>();
        var open = new Stack<(SchemaNode Group, int Remaining)>();
        open.Push((root, rootChildren));
        int next = 1;
        while (open.Count > 0)
        {
            (SchemaNode group, int remaining) = open.Pop();
            if (remaining == 0)
            {
                continue;
            }

            open.Push((group, remaining - 1));
            if (next >= elements.Count)
            {
                throw new ParquetFormatException($"schema group '{Describe(group)}' declares {group.Element.NumChildren} children, but the schema ends after {elements.Count} elements");
            }

            SchemaElement e = elements[next++];
            if (e.RepetitionType is Repetition repetition && repetition is not (Repetition.Required or Repetition.Optional or Repetition.Repeated))
            {
                throw new ParquetFormatException($"schema element '{Name(group, e)}' has unknown repetition {(int)repetition}");
            }

            if (e.NumChildren is int children && children != 0)
            {
                if (children < 0 || children > elements.Count - next)
                {
                    throw new ParquetFormatException($"schema group '{Name(group, e)}' declares {children} children, but {elements.Count - next} elements follow it");
                }

                if (group.Depth + 1 >= MaxDepth)
                {
                    throw new ParquetFormatException($"schema nested more than {MaxDepth} levels deep at '{Name(group, e)}'");
                }

                var child = new SchemaNode(e, group, -1);
                group.AddChild(child);
                nodes.Add(child);
                open.Push((child, children));
            }
            else if (e.Type is PhysicalType type)
            {
                if (type is < PhysicalType.Boolean or > PhysicalType.FixedLenByteArray)
                {
                    throw new ParquetFormatException($"column '{Name(group, e)}' has unknown physical type {(int)type}");
                }

                if (type == PhysicalType.FixedLenByteArray && e.TypeLength is not > 0)
                {
                    throw new ParquetFormatException($"FIXED_LEN_BYTE_ARRAY column '{Name(group, e)}' has no positive type_length ({e.TypeLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})");
                }

                var leaf = new SchemaNode(e, group, leaves.Count);
                group.AddChild(leaf);
                nodes.Add(leaf);
                leaves.Add(leaf);
            }
            else if (e.NumChildren == 0)
            {
                // An empty group: the format discourages them, but some writers make them; nothing to read below it.
                var empty = new SchemaNode(e, group, -1);
                group.AddChild(empty);
                nodes.Add(empty);
            }
            else
            {
                throw new ParquetFormatException($"schema element '{Name(group, e)}' has neither a physical type nor children");
            }
        }

        if (next != elements.Count)
        {
            throw new ParquetFormatException($"the schema root '{first.Name}' declares {rootChildren} children, which end at element {next} of {elements.Count}");
        }

        return new SchemaTree(root, nodes, leaves);
    }

    private static string Describe(SchemaNode node) => node.Parent is null ? node.Name : node.DottedPath;

    private static string Name(SchemaNode parent, SchemaElement e) => parent.Parent is null ? e.Name : parent.DottedPath + "." + e.Name;
}
