using System.Buffers.Binary;

namespace RpcWorker.Protocol.Messages;

/// <summary>DEVICE_COUNT (15): empty request; answers the number of exposed devices.</summary>
public static class DeviceCount
{
    public const int RequestSize = 0;

    /// <summary>0: u32 device_count.</summary>
    public readonly record struct Response(uint Count) : IWireMessage<Response>
    {
        public static int WireSize => 4;

        public static Response Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt32LittleEndian(source));

        public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt32LittleEndian(destination, Count);
    }
}
