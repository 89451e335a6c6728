using System.Buffers.Binary;

namespace RpcWorker.Protocol.Messages;

/// <summary>BUFFER_CLEAR (5): fill a whole buffer with one byte value; empty response in 5.1.0.</summary>
public static class BufferClear
{
    /// <summary>0: u64 remote_ptr; 8: u8 value.</summary>
    public readonly record struct Request(ulong RemotePtr, byte Value) : IWireMessage<Request>
    {
        public static int WireSize => 9;

        public static Request Read(ReadOnlySpan<byte> source) =>
            new(BinaryPrimitives.ReadUInt64LittleEndian(source), source[8]);

        public void Write(Span<byte> destination)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination, RemotePtr);
            destination[8] = Value;
        }
    }
}
