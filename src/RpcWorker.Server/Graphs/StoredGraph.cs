using RpcWorker.Compute.Execution;
using RpcWorker.Server.Memory;

namespace RpcWorker.Server.Graphs;

/// <summary>
/// A session's graph workspace: the builder whose tensors are rebuilt by every GRAPH_COMPUTE and the plan made from them
/// (replanned in place). Once a graph has run, the session stores this object for GRAPH_RECOMPUTE.
/// </summary>
internal sealed class StoredGraph
{
    public GraphBuilder Builder { get; } = new();

    /// <summary>The plan of the last built graph; null until one has been planned.</summary>
    public GraphPlan? Plan { get; set; }

    /// <summary>True when freeing <paramref name="buffer"/> would leave the plan pointing at released memory.</summary>
    public bool Uses(RemoteBuffer buffer) => Builder.Buffers.Contains(buffer);
}
