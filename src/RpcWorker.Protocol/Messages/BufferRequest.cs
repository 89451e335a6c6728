using System.Buffers.Binary;

namespace RpcWorker.Protocol.Messages;

/// <summary>The 8-byte request that only names a buffer handle: BUFFER_GET_BASE (3) and FREE_BUFFER (4).</summary>
public readonly record struct BufferRequest(ulong RemotePtr) : IWireMessage<BufferRequest>
{
    public static int WireSize => 8;

    public static BufferRequest Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt64LittleEndian(source));

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt64LittleEndian(destination, RemotePtr);
}
