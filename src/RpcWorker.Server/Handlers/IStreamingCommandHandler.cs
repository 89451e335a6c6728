using RpcWorker.Protocol;

namespace RpcWorker.Server.Handlers;

/// <summary>
/// Serves a command whose payload it consumes from the session input itself, as it arrives (SET_TENSOR: a 1 GiB upload
/// never needs 1 GiB of pipe memory). The 9-byte header has already been consumed.
/// </summary>
internal interface IStreamingCommandHandler
{
    RpcCommand Command { get; }

    /// <summary>Returns false when the client disconnected before the payload ended.</summary>
    ValueTask<bool> HandleAsync(RpcSession session, RequestHeader header, CancellationToken cancellationToken);
}
