using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Tests;

/// <summary>Runs nodes through the real planner and executor, as a graph from the wire would run.</summary>
public static class TestGraph
{
    /// <summary>Plans and executes <paramref name="nodes"/> in order on a team of <paramref name="threads"/>.</summary>
    public static void Run(int threads, params Tensor[] nodes)
    {
        using var executor = new GraphExecutor(threads, new MemoryBudget(ulong.MaxValue));
        executor.Execute(executor.Plan(new ComputeGraph(nodes)));
    }

    /// <summary>The reason the planner rejects <paramref name="node"/>, or null when it accepts it.</summary>
    public static string? Rejection(Tensor node)
    {
        using var executor = new GraphExecutor(1, new MemoryBudget(ulong.MaxValue));
        try
        {
            executor.Plan(new ComputeGraph([node]));
            return null;
        }
        catch (UnsupportedOpException ex)
        {
            return ex.Message;
        }
    }
}
