using System.Buffers.Binary;

namespace RpcWorker.Protocol.Messages;

/// <summary>ALLOC_BUFFER (0): allocate a buffer on a device; a failed allocation answers zero handle and size.</summary>
public static class AllocBuffer
{
    /// <summary>0: u32 device; 4: u64 size.</summary>
    public readonly record struct Request(uint Device, ulong Size) : IWireMessage<Request>
    {
        public static int WireSize => 12;

        public static Request Read(ReadOnlySpan<byte> source) =>
            new(BinaryPrimitives.ReadUInt32LittleEndian(source), BinaryPrimitives.ReadUInt64LittleEndian(source[4..12]));

        public void Write(Span<byte> destination)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination, Device);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[4..12], Size);
        }
    }

    /// <summary>0: u64 remote_ptr (buffer handle); 8: u64 remote_size.</summary>
    public readonly record struct Response(ulong RemotePtr, ulong RemoteSize) : IWireMessage<Response>
    {
        public static int WireSize => 16;

        public static Response Read(ReadOnlySpan<byte> source) =>
            new(BinaryPrimitives.ReadUInt64LittleEndian(source), BinaryPrimitives.ReadUInt64LittleEndian(source[8..16]));

        public void Write(Span<byte> destination)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination, RemotePtr);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[8..16], RemoteSize);
        }
    }
}
