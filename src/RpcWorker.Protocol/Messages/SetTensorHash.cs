using System.Buffers.Binary;

namespace RpcWorker.Protocol.Messages;

/// <summary>SET_TENSOR_HASH (7): store the cached bytes whose FNV-1a-64 hash is given; answers 1 on a hit, 0 on a miss.</summary>
public static class SetTensorHash
{
    /// <summary>0: rpc_tensor; 296: u64 offset; 304: u64 hash.</summary>
    public readonly record struct Request(RpcTensor Tensor, ulong Offset, ulong Hash) : IWireMessage<Request>
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
            BinaryPrimitives.WriteUInt64LittleEndian(destination[304..312], Hash);
        }
    }
}
