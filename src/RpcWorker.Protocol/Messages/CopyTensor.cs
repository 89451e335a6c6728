namespace RpcWorker.Protocol.Messages;

/// <summary>COPY_TENSOR (9): copy <c>nbytes(src)</c> bytes from one tensor to another; answers a u8 result.</summary>
public static class CopyTensor
{
    /// <summary>0: rpc_tensor src; 296: rpc_tensor dst.</summary>
    public readonly record struct Request(RpcTensor Src, RpcTensor Dst) : IWireMessage<Request>
    {
        public static int WireSize => 2 * RpcTensor.Size;

        public static Request Read(ReadOnlySpan<byte> source) =>
            new(RpcTensor.Read(source), RpcTensor.Read(source[RpcTensor.Size..]));

        public void Write(Span<byte> destination)
        {
            Src.Write(destination);
            Dst.Write(destination[RpcTensor.Size..]);
        }
    }
}
