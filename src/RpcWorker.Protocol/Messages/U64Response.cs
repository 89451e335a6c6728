using System.Buffers.Binary;

namespace RpcWorker.Protocol.Messages;

/// <summary>
/// The 8-byte response carrying one u64: GET_ALIGNMENT (alignment), GET_MAX_SIZE (max size), BUFFER_GET_BASE (base
/// address) and GET_ALLOC_SIZE (allocation size).
/// </summary>
public readonly record struct U64Response(ulong Value) : IWireMessage<U64Response>
{
    public static int WireSize => 8;

    public static U64Response Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt64LittleEndian(source));

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt64LittleEndian(destination, Value);
}
