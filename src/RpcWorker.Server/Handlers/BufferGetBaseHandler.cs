using System.Buffers;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;
using RpcWorker.Server.Memory;

namespace RpcWorker.Server.Handlers;

/// <summary>BUFFER_GET_BASE: the synthetic base address clients compute tensor data addresses from.</summary>
internal sealed class BufferGetBaseHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.BufferGetBase;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        RemoteBuffer buffer = session.GetBuffer(Payload.Read<BufferRequest>(payload).RemotePtr);
        FrameWriter.WriteResponse(session.Output, new U64Response(buffer.Base));
        return ValueTask.CompletedTask;
    }
}
