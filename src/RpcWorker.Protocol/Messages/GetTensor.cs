using System.Buffers.Binary;

namespace RpcWorker.Protocol.Messages;

/// <summary>GET_TENSOR (8): read <c>size</c> bytes at <c>data + offset</c>; the response payload is those raw bytes.</summary>
public static class GetTensor
{
    /// <summary>0: rpc_tensor; 296: u64 offset; 304: u64 size.</summary>
    public readonly record struct Request(RpcTensor Tensor, ulong Offset, ulong Size) : IWireMessage<Request>
    {
        public static int WireSize => RpcTensor.Size + 16;

        public static Request Read(ReadOnlySpan<byte> source) =>
            new(RpcTensor.Read(source),
                BinaryPrimitives.ReadUInt64LittleEndian(source[296..304]),
                BinaryPrimitives.ReadUInt64LittleEndian(source[304..312]));

        public void Write(Span<byte> destination)
        {
            Tensor.Write(destination);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[296..304], Offset);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[304..312], Size);
        }
    }
}
