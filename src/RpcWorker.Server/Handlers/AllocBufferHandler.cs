using System.Buffers;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;
using RpcWorker.Server.Memory;

namespace RpcWorker.Server.Handlers;

/// <summary>ALLOC_BUFFER: a new buffer of this session; a refused allocation answers zero handle and size (not an error).</summary>
internal sealed class AllocBufferHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.AllocBuffer;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        AllocBuffer.Request request = Payload.Read<AllocBuffer.Request>(payload);
        session.CheckDevice(request.Device);
        RemoteBuffer? buffer = session.Buffers.TryAllocate(request.Size);
        if (buffer is null)
        {
            Log.AllocationRefused(session.Context.Logger, session.Id, request.Size);
            FrameWriter.WriteResponse(session.Output, new AllocBuffer.Response(0, 0));
        }
        else
        {
            FrameWriter.WriteResponse(session.Output, new AllocBuffer.Response(buffer.Handle, request.Size));
        }
        return ValueTask.CompletedTask;
    }
}
