using System.Buffers.Binary;

namespace RpcWorker.Protocol.Messages;

/// <summary>MEMSET_TENSOR (17): fill <c>size</c> bytes at <c>data + offset</c> with one value; empty response in 5.1.0.</summary>
public static class MemsetTensor
{
    /// <summary>0: rpc_tensor; 296: u64 offset; 304: u64 size; 312: u8 value.</summary>
    public readonly record struct Request(RpcTensor Tensor, ulong Offset, ulong Size, byte Value) : IWireMessage<Request>
    {
        public static int WireSize => RpcTensor.Size + 17;

        public static Request Read(ReadOnlySpan<byte> source) =>
            new(RpcTensor.Read(source),
                BinaryPrimitives.ReadUInt64LittleEndian(source[296..304]),
                BinaryPrimitives.ReadUInt64LittleEndian(source[304..312]),
                source[312]);

        public void Write(Span<byte> destination)
        {
            Tensor.Write(destination);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[296..304], Offset);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[304..312], Size);
            destination[312] = Value;
        }
    }
}
