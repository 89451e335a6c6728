namespace RpcWorker.Server.Transport;

/// <summary>A connection whose input can bypass the pipe, so that a large payload lands in its destination in one copy.</summary>
internal interface IDirectInput
{
    /// <summary>
    /// Receives the next bytes of the stream (at least one, at most <paramref name="destination"/>'s length) straight into
    /// <paramref name="destination"/>; 0 when the connection has ended. Only valid while the input pipe holds no unread bytes.
    /// </summary>
    ValueTask<int> ReceiveDirectAsync(Memory<byte> destination, CancellationToken cancellationToken);
}
