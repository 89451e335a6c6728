namespace RpcWorker.Protocol.Messages;

/// <summary>The 1-byte u8 result of SET_TENSOR_HASH (1 = loaded from cache) and COPY_TENSOR (1 = copied).</summary>
public readonly record struct ResultResponse(byte Result) : IWireMessage<ResultResponse>
{
    public static int WireSize => 1;

    public static ResultResponse Read(ReadOnlySpan<byte> source) => new(source[0]);

    public void Write(Span<byte> destination) => destination[0] = Result;
}
