using System.Buffers;
using System.Buffers.Binary;

namespace RpcWorker.Protocol;

/// <summary>
/// Writes frames straight into an <see cref="IBufferWriter{T}"/> (a <c>PipeWriter</c>): responses (<c>u64 size | payload</c>)
/// for the server and requests (<c>u8 command | u64 size | payload</c>) for clients. Nothing is staged in between.
/// </summary>
public static class FrameWriter
{
    /// <summary>Writes a response size prefix; the caller writes <paramref name="payloadSize"/> bytes after it.</summary>
    public static void WriteResponseHeader(IBufferWriter<byte> writer, ulong payloadSize)
    {
        ArgumentNullException.ThrowIfNull(writer);
        BinaryPrimitives.WriteUInt64LittleEndian(writer.GetSpan(ProtocolLimits.ResponseHeaderSize), payloadSize);
        writer.Advance(ProtocolLimits.ResponseHeaderSize);
    }

    /// <summary>Writes the 8-byte zero size of an empty response.</summary>
    public static void WriteEmptyResponse(IBufferWriter<byte> writer) => WriteResponseHeader(writer, 0);

    /// <summary>Writes a complete fixed-size response in one contiguous span.</summary>
    public static void WriteResponse<T>(IBufferWriter<byte> writer, in T message)
        where T : struct, IWireMessage<T>
    {
        ArgumentNullException.ThrowIfNull(writer);
        int total = ProtocolLimits.ResponseHeaderSize + T.WireSize;
        Span<byte> span = writer.GetSpan(total);
        BinaryPrimitives.WriteUInt64LittleEndian(span, (ulong)T.WireSize);
        message.Write(span[ProtocolLimits.ResponseHeaderSize..]);
        writer.Advance(total);
    }

    /// <summary>Writes a request header; the caller writes <paramref name="payloadSize"/> bytes after it.</summary>
    public static void WriteRequestHeader(IBufferWriter<byte> writer, RpcCommand command, ulong payloadSize)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<byte> span = writer.GetSpan(ProtocolLimits.RequestHeaderSize);
        span[0] = (byte)command;
        BinaryPrimitives.WriteUInt64LittleEndian(span[1..], payloadSize);
        writer.Advance(ProtocolLimits.RequestHeaderSize);
    }

    /// <summary>Writes a complete fixed-size request in one contiguous span.</summary>
    public static void WriteRequest<T>(IBufferWriter<byte> writer, RpcCommand command, in T message)
        where T : struct, IWireMessage<T>
    {
        ArgumentNullException.ThrowIfNull(writer);
        int total = ProtocolLimits.RequestHeaderSize + T.WireSize;
        Span<byte> span = writer.GetSpan(total);
        span[0] = (byte)command;
        BinaryPrimitives.WriteUInt64LittleEndian(span[1..], (ulong)T.WireSize);
        message.Write(span[ProtocolLimits.RequestHeaderSize..]);
        writer.Advance(total);
    }

    /// <summary>Copies raw payload bytes into the writer's memory, as many segments as it hands out.</summary>
    public static void WriteBytes(IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(writer);
        while (!bytes.IsEmpty)
        {
            Span<byte> span = writer.GetSpan(1);
            int n = Math.Min(span.Length, bytes.Length);
            bytes[..n].CopyTo(span);
            writer.Advance(n);
            bytes = bytes[n..];
        }
    }
}
