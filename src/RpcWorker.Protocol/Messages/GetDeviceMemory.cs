using System.Buffers.Binary;

namespace RpcWorker.Protocol.Messages;

/// <summary>GET_DEVICE_MEMORY (11): the request is a <see cref="DeviceRequest"/>; the response is free and total bytes.</summary>
public static class GetDeviceMemory
{
    /// <summary>0: u64 free; 8: u64 total.</summary>
    public readonly record struct Response(ulong Free, ulong Total) : IWireMessage<Response>
    {
        public static int WireSize => 16;

        public static Response Read(ReadOnlySpan<byte> source) =>
            new(BinaryPrimitives.ReadUInt64LittleEndian(source), BinaryPrimitives.ReadUInt64LittleEndian(source[8..16]));

        public void Write(Span<byte> destination)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination, Free);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[8..16], Total);
        }
    }
}
