using RpcWorker.Compute.Execution;
using RpcWorker.Server.Memory;

namespace RpcWorker.Server.Graphs;

/// <summary>The last graph of a device, kept for GRAPH_RECOMPUTE, with the buffers its tensors point into.</summary>
internal sealed class StoredGraph(GraphPlan plan, HashSet<RemoteBuffer> buffers)
{
    public GraphPlan Plan { get; } = plan;

    /// <summary>True when freeing <paramref name="buffer"/> would leave this plan pointing at released memory.</summary>
    public bool Uses(RemoteBuffer buffer) => buffers.Contains(buffer);
}
