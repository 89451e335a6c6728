using System.Buffers;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;
using RpcWorker.Compute.Execution;

namespace RpcWorker.Server.Handlers;

/// <summary>GRAPH_RECOMPUTE: re-runs the device's stored plan; without one the session is closed. No response.</summary>
internal sealed class GraphRecomputeHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.GraphRecompute;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        session.CheckDevice(Payload.Read<DeviceRequest>(payload).Device);
        GraphPlan plan = session.StoredGraph?.Plan ?? throw new RpcProtocolException("no stored graph to recompute");
        session.Context.Executor.Execute(plan);
        return ValueTask.CompletedTask;
    }
}
