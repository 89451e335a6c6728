namespace RpcWorker.Server.Transport;

/// <summary>A connection whose output can bypass the pipe, so that a large response leaves from where its bytes lie.</summary>
internal interface IDirectOutput
{
    /// <summary>
    /// Sends all of <paramref name="source"/> straight to the peer (output for a peer that is gone is dropped). Only valid
    /// once the output pipe has been flushed, so the bytes follow everything written before them.
    /// </summary>
    ValueTask SendDirectAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken);
}
