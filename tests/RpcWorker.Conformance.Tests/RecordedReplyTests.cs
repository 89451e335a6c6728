namespace RpcWorker.Conformance.Tests;

/// <summary>
/// Replays transcripts against <see cref="RecordedReplyServer"/>, which answers exactly as the recorded server did but with
/// its own handles: every session must pass, which shows the reader, remapper and judge agree with the recordings.
/// </summary>
public class RecordedReplyTests
{
    public static TheoryData<string> Files() => ConformanceData.Files();

    [ConformanceTheory]
    [MemberData(nameof(Files))]
    public async Task Replay_AgainstRecordedReplies_PassesEverySession(string file)
    {
        Assert.False(file == ConformanceData.MissingMarker, $"conformance transcripts not found at {ConformanceData.Directory}");
        await using var server = new RecordedReplyServer(ConformanceData.PathOf(file));
        var runner = new ConformanceRunner(ConformanceData.Index) { SkipUnsupported = false };

        FileReport report = await runner.ReplayFileAsync(ConformanceData.PathOf(file), server.EndPoint);

        Assert.True(report.Succeeded && report.Skipped == 0, report.Describe());
        Assert.Empty(server.Mismatches);
        Assert.Equal(ConformanceData.Index.Find(file)!.Sessions, report.Passed);
    }
}
