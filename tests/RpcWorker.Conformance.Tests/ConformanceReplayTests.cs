using Microsoft.Extensions.Logging.Abstractions;
using RpcWorker.Server;
using Xunit.Abstractions;

namespace RpcWorker.Conformance.Tests;

/// <summary>
/// Replays every transcript of the conformance set against an in-process <see cref="RpcServer"/> (one server per file,
/// one connection per session). A file passes when no session fails; sessions needing an op or type the engine lacks
/// are listed as skipped in the output (and a file whose sessions are all skipped is reported as a skipped row).
/// </summary>
public class ConformanceReplayTests(ITestOutputHelper output)
{
    public static TheoryData<string> Files() => ConformanceData.Files();

    [ConformanceFileTheory]
    [MemberData(nameof(Files))]
    public async Task Replay_AgainstServer_NoSessionFails(string file)
    {
        Assert.False(file == ConformanceData.MissingMarker, $"conformance transcripts not found at {ConformanceData.Directory}");
        var options = new ServerOptions { Port = 0, Threads = Environment.ProcessorCount };
        await using var server = new RpcServer(options, NullLoggerFactory.Instance);
        await server.StartAsync();
        var runner = new ConformanceRunner(ConformanceData.Index);

        FileReport report = await runner.ReplayFileAsync(ConformanceData.PathOf(file), server.LocalEndPoint);

        output.WriteLine(report.Describe());
        Assert.True(report.Succeeded, report.Describe());
        await ServerChecks.AssertDrainedAsync(server);
    }
}
