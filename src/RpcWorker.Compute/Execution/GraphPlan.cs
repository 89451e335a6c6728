using RpcWorker.Compute.Kernels;

namespace RpcWorker.Compute.Execution;

/// <summary>
/// A validated, reusable execution plan: the nodes that do work, each with its kernel, and the scratch size the largest
/// node needs. Building it is the only cost GRAPH_RECOMPUTE avoids paying again. A plan can be refilled by
/// <see cref="GraphExecutor.Plan(ComputeGraph, GraphPlan?)"/> for the next graph, reusing its step array.
/// </summary>
public sealed class GraphPlan
{
    private PlanStep[] _steps = [];

    internal GraphPlan(ComputeGraph graph) => Graph = graph;

    public ComputeGraph Graph { get; private set; }

    /// <summary>The steps; only the first <see cref="ComputeNodeCount"/> are valid.</summary>
    internal PlanStep[] Steps => _steps;

    /// <summary>Scratch bytes shared by the team.</summary>
    public long WorkSize { get; private set; }

    /// <summary>Number of nodes that run a kernel.</summary>
    public int ComputeNodeCount { get; private set; }

    /// <summary>Starts refilling the plan for <paramref name="graph"/> with room for <paramref name="capacity"/> steps.</summary>
    internal void Reset(ComputeGraph graph, int capacity)
    {
        Graph = graph;
        WorkSize = 0;
        ComputeNodeCount = 0;
        if (_steps.Length < capacity)
        {
            _steps = new PlanStep[capacity];
        }
    }

    internal void Add(PlanStep step) => _steps[ComputeNodeCount++] = step;

    internal void SetWorkSize(long workSize) => WorkSize = workSize;
}

internal readonly record struct PlanStep(Tensor Node, IOpKernel Kernel);
