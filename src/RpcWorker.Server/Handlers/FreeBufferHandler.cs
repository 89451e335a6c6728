using System.Buffers;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;
using RpcWorker.Server.Memory;

namespace RpcWorker.Server.Handlers;

/// <summary>FREE_BUFFER: frees a buffer of this session and drops a stored graph that points into it; empty response.</summary>
internal sealed class FreeBufferHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.FreeBuffer;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        RemoteBuffer buffer = session.GetBuffer(Payload.Read<BufferRequest>(payload).RemotePtr);
        session.ForgetGraphsUsing(buffer);
        session.Buffers.Free(buffer.Handle);
        FrameWriter.WriteEmptyResponse(session.Output);
        return ValueTask.CompletedTask;
    }
}
