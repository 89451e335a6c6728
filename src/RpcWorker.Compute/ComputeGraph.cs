namespace RpcWorker.Compute;

/// <summary>A graph as the client sent it: nodes in execution order (null slots allowed), every tensor already validated.</summary>
public sealed class ComputeGraph
{
    public ComputeGraph(IReadOnlyList<Tensor?> nodes) => Nodes = nodes;

    public IReadOnlyList<Tensor?> Nodes { get; }
}
