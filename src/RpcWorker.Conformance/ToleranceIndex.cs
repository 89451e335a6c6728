using System.Globalization;

namespace RpcWorker.Conformance;

/// <summary>The per-file tolerance classes of the conformance set, read from its <c>INDEX.md</c> table.</summary>
public sealed class ToleranceIndex
{
    private readonly Dictionary<string, ToleranceClass> _entries;

    private ToleranceIndex(Dictionary<string, ToleranceClass> entries)
    {
        _entries = entries;
    }

    public IReadOnlyCollection<ToleranceClass> Entries => _entries.Values;

    public static ToleranceIndex Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>
    /// Parses the markdown table whose header row starts <c>| file | sessions | class | max NMSE |</c>. Other lines are
    /// ignored; a malformed row of that table throws <see cref="FormatException"/>.
    /// </summary>
    public static ToleranceIndex Parse(string markdown)
    {
        var entries = new Dictionary<string, ToleranceClass>(StringComparer.Ordinal);
        bool inTable = false;
        foreach (string raw in markdown.Split('\n'))
        {
            string line = raw.Trim();
            if (!line.StartsWith('|'))
            {
                inTable = false;
                continue;
            }
            string[] cells = line.Trim('|').Split('|', StringSplitOptions.TrimEntries);
            if (cells.Length >= 4 && cells[0] == "file" && cells[3].Equals("max NMSE", StringComparison.OrdinalIgnoreCase))
            {
                inTable = true;
                continue;
            }
            if (!inTable || cells.All(c => c.Length == 0 || c.Trim('-', ':').Length == 0))
            {
                continue;
            }
            if (cells.Length < 4 || !int.TryParse(cells[1], NumberStyles.None, CultureInfo.InvariantCulture, out int sessions))
            {
                throw new FormatException($"bad INDEX row: {line}");
            }
            double? max = cells[3].Equals("exact", StringComparison.OrdinalIgnoreCase)
                ? null
                : double.TryParse(cells[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0
                    ? v
                    : throw new FormatException($"bad max NMSE in INDEX row: {line}");
            entries[cells[0]] = new ToleranceClass(cells[0], sessions, cells[2], max);
        }
        return new ToleranceIndex(entries);
    }

    /// <summary>The class of transcript <paramref name="fileName"/> (a file name, not a path), or null when it is not listed.</summary>
    public ToleranceClass? Find(string fileName) => _entries.GetValueOrDefault(fileName);
}
