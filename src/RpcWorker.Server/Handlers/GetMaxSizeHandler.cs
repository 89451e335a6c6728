using System.Buffers;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Server.Handlers;

/// <summary>GET_MAX_SIZE: SIZE_MAX like ggml-cpu, or the memory cap when one is configured.</summary>
internal sealed class GetMaxSizeHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.GetMaxSize;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        session.CheckDevice(Payload.Read<DeviceRequest>(payload).Device);
        FrameWriter.WriteResponse(session.Output, new U64Response(session.Context.MaxAllocationSize));
        return ValueTask.CompletedTask;
    }
}
