namespace RpcWorker.Protocol.Messages;

/// <summary>INIT_TENSOR (12): let the buffer prepare a tensor (a no-op for CPU memory); empty response in 5.1.0.</summary>
public static class InitTensor
{
    /// <summary>0: rpc_tensor.</summary>
    public readonly record struct Request(RpcTensor Tensor) : IWireMessage<Request>
    {
        public static int WireSize => RpcTensor.Size;

        public static Request Read(ReadOnlySpan<byte> source) => new(RpcTensor.Read(source));

        public void Write(Span<byte> destination) => Tensor.Write(destination);
    }
}
