using Xunit.Sdk;

namespace RpcWorker.Conformance.Tests;

/// <summary>
/// A theory with one row per transcript file. Skipped (with the reason) when the transcripts are absent, unless CI=true;
/// a row whose sessions all need ops or types the engine lacks is reported as skipped with those needs
/// (<see cref="ConformanceFileTheoryDiscoverer"/>).
/// </summary>
[XunitTestCaseDiscoverer("RpcWorker.Conformance.Tests.ConformanceFileTheoryDiscoverer", "RpcWorker.Conformance.Tests")]
public sealed class ConformanceFileTheoryAttribute : TheoryAttribute
{
    public ConformanceFileTheoryAttribute()
    {
        if (!ConformanceData.Exists && !ConformanceData.IsCi)
        {
            Skip = $"conformance transcripts not found at {ConformanceData.Directory} (set RPCWORKER_CONFORMANCE_DIR)";
        }
    }
}
