using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace RpcWorker.Protocol.Messages;

/// <summary>GET_ALLOC_SIZE (13): bytes a tensor needs in the device's buffer type; answers a <see cref="U64Response"/>.</summary>
public static class GetAllocSize
{
    /// <summary>0: u32 device; 4: rpc_tensor; 300: rpc_tensor srcs[10] (null sources are 296 zero bytes).</summary>
    public struct Request : IWireMessage<Request>
    {
        public uint Device;
        public RpcTensor Tensor;
        public SrcTensors Srcs;

        public static int WireSize => 4 + RpcTensor.Size * (1 + RpcTensor.MaxSrc);

        public static Request Read(ReadOnlySpan<byte> source)
        {
            var request = new Request
            {
                Device = BinaryPrimitives.ReadUInt32LittleEndian(source),
                Tensor = RpcTensor.Read(source[4..]),
            };
            for (int i = 0; i < RpcTensor.MaxSrc; i++)
            {
                request.Srcs[i] = RpcTensor.Read(source[(4 + RpcTensor.Size * (i + 1))..]);
            }
            return request;
        }

        public readonly void Write(Span<byte> destination)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination, Device);
            Tensor.Write(destination[4..]);
            for (int i = 0; i < RpcTensor.MaxSrc; i++)
            {
                Srcs[i].Write(destination[(4 + RpcTensor.Size * (i + 1))..]);
            }
        }
    }

    /// <summary>The ten source tensors of a GET_ALLOC_SIZE request.</summary>
    [InlineArray(RpcTensor.MaxSrc)]
    public struct SrcTensors
    {
        private RpcTensor _element0;
    }
}
