using System.Buffers;
using RpcWorker.Compute;
using RpcWorker.Compute.Execution;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;
using RpcWorker.Server.Graphs;
using RpcWorker.Server.Memory;

namespace RpcWorker.Server.Handlers;

/// <summary>
/// GRAPH_COMPUTE: validates and builds the whole graph, plans it (an op without kernel ends the session as
/// "unsupported op"), runs it and stores the plan for GRAPH_RECOMPUTE. No response.
/// </summary>
internal sealed class GraphComputeHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.GraphCompute;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        ComputeGraph graph;
        HashSet<RemoteBuffer> buffers;
        if (payload.IsSingleSegment)
        {
            (graph, buffers) = Build(session, payload.FirstSpan);
        }
        else
        {
            int length = (int)payload.Length;
            byte[] rented = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                payload.CopyTo(rented);
                (graph, buffers) = Build(session, rented.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
        GraphExecutor executor = session.Context.Executor;
        GraphPlan plan = executor.Plan(graph);
        session.StoredGraph = null;
        executor.Execute(plan);
        session.StoredGraph = new StoredGraph(plan, buffers);
        return ValueTask.CompletedTask;
    }

    private static (ComputeGraph, HashSet<RemoteBuffer>) Build(RpcSession session, ReadOnlySpan<byte> bytes)
    {
        if (!GraphCompute.TryParse(bytes, out GraphCompute.View view))
        {
            throw new RpcProtocolException("node and tensor counts do not match the payload size");
        }
        session.CheckDevice(view.Device);
        return GraphBuilder.Build(view, session.Buffers);
    }
}
