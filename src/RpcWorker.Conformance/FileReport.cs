using System.Text;

namespace RpcWorker.Conformance;

/// <summary>The results of every session of one transcript file, or the reason the file could not be replayed.</summary>
public sealed record FileReport(string FileName, IReadOnlyList<SessionReport> Sessions, string? FileError)
{
    public int Passed => Sessions.Count(s => s.Outcome == SessionOutcome.Passed);

    public int Failed => Sessions.Count(s => s.Outcome == SessionOutcome.Failed);

    public int Skipped => Sessions.Count(s => s.Outcome == SessionOutcome.Skipped);

    /// <summary>True when no session failed and the file itself was readable.</summary>
    public bool Succeeded => FileError is null && Failed == 0;

    /// <summary>One line of counts, then a line per failed or skipped session.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append($"{FileName}: {Passed} passed, {Failed} failed, {Skipped} skipped of {Sessions.Count} sessions; "
            + $"{Sessions.Sum(s => s.TensorsChecked)} GET_TENSOR replies judged, worst NMSE {(Sessions.Count == 0 ? 0 : Sessions.Max(s => s.WorstNmse)):G3}");
        if (FileError is not null)
        {
            sb.Append($"\n  file error: {FileError}");
        }
        foreach (SessionReport s in Sessions.Where(s => s.Outcome != SessionOutcome.Passed))
        {
            sb.Append($"\n  session {s.Index} {s.Outcome.ToString().ToLowerInvariant()}: {s.Detail}");
        }
        return sb.ToString();
    }
}
