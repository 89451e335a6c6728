using RpcWorker.Conformance.Transcripts;

namespace RpcWorker.Conformance.Tests;

/// <summary>
/// Op transcripts replayed straight into the compute engine (<see cref="KernelReplay"/>) on 1 and 3 threads: every
/// recorded GET_TENSOR must match within the file's tolerance class.
/// </summary>
public class KernelReplayTests
{
    [ConformanceTheory]
    [InlineData("tbo-SOFT_MAX.rpct", 1)]
    [InlineData("tbo-SOFT_MAX.rpct", 3)]
    [InlineData("tbo-ROPE.rpct", 1)]
    [InlineData("tbo-ROPE.rpct", 3)]
    [InlineData("tbo-FLASH_ATTN_EXT.rpct", 1)]
    [InlineData("tbo-FLASH_ATTN_EXT.rpct", 3)]
    public void Replay_OpTranscript_MatchesRecordedResults(string file, int threads)
    {
        ToleranceClass tolerance = ConformanceData.Index.Find(file)!;
        using var replay = new KernelReplay(threads);
        using TranscriptReader reader = TranscriptReader.Open(ConformanceData.PathOf(file));
        var failures = new List<string>();
        int sessions = 0;
        foreach (TranscriptSession session in reader.ReadSessions())
        {
            sessions++;
            foreach (string failure in replay.Replay(session, tolerance.MaxNmse))
            {
                failures.Add($"{file} session {session.Index}: {failure}");
            }
        }
        Assert.Equal(tolerance.Sessions, sessions);
        Assert.True(replay.Compared > 0, $"{file}: no GET_TENSOR was judged");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
