using System.Buffers;
using RpcWorker.Compute.Execution;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;
using RpcWorker.Server.Graphs;

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
        // The rebuild below overwrites the stored graph's tensors in place.
        session.StoredGraph = null;
        StoredGraph workspace = session.GraphWorkspace;
        if (payload.IsSingleSegment)
        {
            Build(session, workspace.Builder, payload.FirstSpan);
        }
        else
        {
            int length = (int)payload.Length;
            byte[] rented = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                payload.CopyTo(rented);
                Build(session, workspace.Builder, rented.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
        GraphExecutor executor = session.Context.Executor;
        GraphPlan plan = workspace.Plan = executor.Plan(workspace.Builder.Graph, workspace.Plan);
        executor.Execute(plan);
        session.StoredGraph = workspace;
        return ValueTask.CompletedTask;
    }

    private static void Build(RpcSession session, GraphBuilder builder, ReadOnlySpan<byte> bytes)
    {
        if (!GraphCompute.TryParse(bytes, out GraphCompute.View view))
        {
            throw new RpcProtocolException("node and tensor counts do not match the payload size");
        }
        session.CheckDevice(view.Device);
        builder.Build(view, session.Buffers);
    }
}
