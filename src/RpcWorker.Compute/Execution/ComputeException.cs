namespace RpcWorker.Compute.Execution;

/// <summary>A kernel met data it cannot compute safely (e.g. a row index outside its source); the graph run is abandoned.</summary>
public sealed class ComputeException : Exception
{
    public ComputeException(string message)
        : base(message)
    {
    }

    public ComputeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
