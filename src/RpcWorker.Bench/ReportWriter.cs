using System.Globalization;
using System.Text.Json;

namespace RpcWorker.Bench;

/// <summary>Prints results as an aligned table or as JSON.</summary>
internal static class ReportWriter
{
    public static void WriteTable(TextWriter output, string server, IReadOnlyList<BenchResult> results)
    {
        output.WriteLine($"rpc-worker bench against {server}");
        string[] header = ["section", "case", "metric", "value", "unit"];
        var rows = results.Select(r => new[] { r.Section, r.Case, r.Metric, Format(r.Value), r.Unit }).ToList();
        int[] widths = [.. Enumerable.Range(0, header.Length).Select(c => rows.Select(r => r[c].Length).Append(header[c].Length).Max())];
        void Line(string[] cells) =>
            output.WriteLine(string.Join("  ", cells.Select((cell, c) => c == 3 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd());
        Line(header);
        output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (string[] row in rows)
        {
            Line(row);
        }
    }

    public static void WriteJson(Stream output, string server, IReadOnlyList<BenchResult> results)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("server", server);
        w.WriteStartArray("results");
        foreach (BenchResult r in results)
        {
            w.WriteStartObject();
            w.WriteString("section", r.Section);
            w.WriteString("case", r.Case);
            w.WriteString("metric", r.Metric);
            w.WriteNumber("value", r.Value);
            w.WriteString("unit", r.Unit);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static string Format(double value) =>
        value.ToString(Math.Abs(value) >= 100 ? "F0" : Math.Abs(value) >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture);
}
