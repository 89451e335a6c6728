using System.Buffers.Binary;

namespace RpcWorker.Protocol.Messages;

/// <summary>
/// SET_TENSOR (6): a tensor, an offset, then the raw bytes to store (payload − 304 bytes). The only variable-size upload;
/// no response.
/// </summary>
public static class SetTensor
{
    /// <summary>0: rpc_tensor; 296: u64 offset; the data follows at 304.</summary>
    public readonly record struct Header(RpcTensor Tensor, ulong Offset) : IWireMessage<Header>
    {
        public static int WireSize => RpcTensor.Size + 8;

        public static Header Read(ReadOnlySpan<byte> source) =>
            new(RpcTensor.Read(source), BinaryPrimitives.ReadUInt64LittleEndian(source[RpcTensor.Size..WireSize]));

        public void Write(Span<byte> destination)
        {
            Tensor.Write(destination);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[RpcTensor.Size..WireSize], Offset);
        }
    }
}
