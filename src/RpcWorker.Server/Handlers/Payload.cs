using System.Buffers;
using RpcWorker.Protocol;

namespace RpcWorker.Server.Handlers;

/// <summary>Reads fixed-size messages out of a buffered payload, whether it is one segment or several.</summary>
internal static class Payload
{
    /// <summary>The largest fixed payload (GET_ALLOC_SIZE), copied to the stack when split across segments.</summary>
    private const int MaxFixedSize = 3260;

    [System.Runtime.CompilerServices.SkipLocalsInit]
    public static T Read<T>(in ReadOnlySequence<byte> payload)
        where T : struct, IWireMessage<T>
    {
        if (payload.FirstSpan.Length >= T.WireSize)
        {
            return T.Read(payload.FirstSpan);
        }
        Span<byte> copy = stackalloc byte[MaxFixedSize];
        payload.Slice(0, T.WireSize).CopyTo(copy);
        return T.Read(copy);
    }
}
