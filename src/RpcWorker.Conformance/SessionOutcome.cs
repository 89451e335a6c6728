namespace RpcWorker.Conformance;

public enum SessionOutcome
{
    Passed,
    Failed,

    /// <summary>Not replayed: the session needs an op or type the engine lacks, or another protocol version.</summary>
    Skipped,
}
