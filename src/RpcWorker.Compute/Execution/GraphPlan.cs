using RpcWorker.Compute.Kernels;

namespace RpcWorker.Compute.Execution;

/// <summary>
/// A validated, reusable execution plan: the nodes that do work, each with its kernel, and the scratch size the largest
/// node needs. Building it is the only cost GRAPH_RECOMPUTE avoids paying again.
/// </summary>
public sealed class GraphPlan
{
    internal GraphPlan(ComputeGraph graph, PlanStep[] steps, long workSize)
    {
        Graph = graph;
        Steps = steps;
        WorkSize = workSize;
    }

    public ComputeGraph Graph { get; }

    internal PlanStep[] Steps { get; }

    /// <summary>Scratch bytes shared by the team.</summary>
    public long WorkSize { get; }

    /// <summary>Number of nodes that run a kernel.</summary>
    public int ComputeNodeCount => Steps.Length;
}

internal readonly record struct PlanStep(Tensor Node, IOpKernel Kernel);
