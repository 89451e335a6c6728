using System.Buffers;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Server.Handlers;

/// <summary>BUFFER_CLEAR: fills a whole buffer with one byte; empty response.</summary>
internal sealed class BufferClearHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.BufferClear;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        BufferClear.Request request = Payload.Read<BufferClear.Request>(payload);
        session.GetBuffer(request.RemotePtr).Native.Fill(request.Value);
        FrameWriter.WriteEmptyResponse(session.Output);
        return ValueTask.CompletedTask;
    }
}
