using System.Text;

namespace ParquetFlow.Cli;

/// <summary>A plain-text table with aligned columns (right-aligned when a column is numeric).</summary>
public sealed class TextTable
{
    private readonly string[] _headers;
    private readonly List<string[]> _rows = [];

    public TextTable(params string[] headers)
    {
        _headers = headers;
    }

    public void Add(params string[] cells) => _rows.Add(cells);

    public void WriteTo(TextWriter output, string indent = "  ")
    {
        int[] widths = new int[_headers.Length];
        bool[] numeric = new bool[_headers.Length];
        for (int c = 0; c < _headers.Length; c++)
        {
            widths[c] = _headers[c].Length;
            numeric[c] = _rows.Count > 0;
            foreach (string[] row in _rows)
            {
                string cell = c < row.Length ? row[c] : string.Empty;
                widths[c] = Math.Max(widths[c], cell.Length);
                numeric[c] &= cell.Length == 0 || double.TryParse(cell.Replace(",", string.Empty, StringComparison.Ordinal).TrimEnd('%', 'x'), out _);
            }
        }

        output.WriteLine(indent + Line(_headers, widths, numeric));
        output.WriteLine(indent + string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (string[] row in _rows)
        {
            output.WriteLine(indent + Line(row, widths, numeric));
        }
    }

    private static string Line(string[] cells, int[] widths, bool[] numeric)
    {
        var line = new StringBuilder();
        for (int c = 0; c < widths.Length; c++)
        {
            string cell = c < cells.Length ? cells[c] : string.Empty;
            if (c > 0)
            {
                line.Append("  ");
            }

            line.Append(numeric[c] ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]));
        }

        return line.ToString().TrimEnd();
    }
}
