using System.Buffers;
using RpcWorker.Protocol;

namespace RpcWorker.Server.Handlers;

/// <summary>
/// Serves one command whose payload the session has buffered whole (every command except SET_TENSOR). The handler writes
/// its response, if any, into the session's output; the session flushes. Violations throw <see cref="RpcProtocolException"/>.
/// </summary>
internal interface ICommandHandler
{
    RpcCommand Command { get; }

    ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken);
}
