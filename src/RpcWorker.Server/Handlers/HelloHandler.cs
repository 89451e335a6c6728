using System.Buffers;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Server.Handlers;

/// <summary>HELLO: answers protocol 5.1.0 and all-zero conn_caps (TCP only); the client's caps are ignored.</summary>
internal sealed class HelloHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.Hello;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        FrameWriter.WriteResponse(session.Output, new Hello.Response(ProtocolVersion.Current, default));
        return ValueTask.CompletedTask;
    }
}
