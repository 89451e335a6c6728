using System.Buffers;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;
using RpcWorker.Server.Graphs;

namespace RpcWorker.Server.Handlers;

/// <summary>GRAPH_RECOMPUTE: re-runs the device's stored plan; without one the session is closed. No response.</summary>
internal sealed class GraphRecomputeHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.GraphRecompute;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        session.CheckDevice(Payload.Read<DeviceRequest>(payload).Device);
        StoredGraph stored = session.StoredGraph ?? throw new RpcProtocolException("no stored graph to recompute");
        session.Context.Executor.Execute(stored.Plan);
        return ValueTask.CompletedTask;
    }
}
