using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace RpcWorker.Server.Transport;

/// <summary>Waiting for a whole fixed-size piece of a request without allocating.</summary>
internal static class PipeReading
{
    /// <summary>
    /// Reads until at least <paramref name="minimum"/> bytes are buffered or the writer completed, marking what was seen
    /// as examined (so each wait really waits for new bytes) but consuming nothing. The caller must call AdvanceTo on the
    /// returned buffer. A client may send a header and its payload in separate writes; this is where the session waits.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<ReadResult> ReadAtLeastAsync(PipeReader reader, long minimum, CancellationToken cancellationToken)
    {
        ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        while (result.Buffer.Length < minimum && !result.IsCompleted)
        {
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        return result;
    }
}
