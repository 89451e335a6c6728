using System.Buffers.Binary;

namespace RpcWorker.Protocol.Messages;

/// <summary>
/// The 4-byte request that only names a device: GET_ALIGNMENT (1), GET_MAX_SIZE (2), GET_DEVICE_MEMORY (11) and
/// GRAPH_RECOMPUTE (16).
/// </summary>
public readonly record struct DeviceRequest(uint Device) : IWireMessage<DeviceRequest>
{
    public static int WireSize => 4;

    public static DeviceRequest Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt32LittleEndian(source));

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt32LittleEndian(destination, Device);
}
