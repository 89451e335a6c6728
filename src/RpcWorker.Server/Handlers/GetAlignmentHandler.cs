using System.Buffers;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Server.Handlers;

/// <summary>GET_ALIGNMENT: 32, ggml's TENSOR_ALIGNMENT.</summary>
internal sealed class GetAlignmentHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.GetAlignment;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        session.CheckDevice(Payload.Read<DeviceRequest>(payload).Device);
        FrameWriter.WriteResponse(session.Output, new U64Response(ServerContext.Alignment));
        return ValueTask.CompletedTask;
    }
}
