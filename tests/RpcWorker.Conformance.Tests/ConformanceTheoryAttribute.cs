namespace RpcWorker.Conformance.Tests;

/// <summary>A theory over the conformance transcripts: skipped (with the reason) when they are absent, unless CI=true.</summary>
public sealed class ConformanceTheoryAttribute : TheoryAttribute
{
    public ConformanceTheoryAttribute()
    {
        if (!ConformanceData.Exists && !ConformanceData.IsCi)
        {
            Skip = $"conformance transcripts not found at {ConformanceData.Directory} (set RPCWORKER_CONFORMANCE_DIR)";
        }
    }
}
