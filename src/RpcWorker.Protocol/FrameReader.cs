using System.Buffers;
using System.Buffers.Binary;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Protocol;

/// <summary>
/// Reads request frames (<c>u8 command | u64 size | payload</c>) from a byte sequence. The header is validated against each
/// command's exact size or cap before any payload is awaited, so a hostile size prefix never causes buffering.
/// </summary>
public sealed class FrameReader
{
    private static readonly int[] s_fixedSizes =
    [
        AllocBuffer.Request.WireSize,    // 0 ALLOC_BUFFER
        DeviceRequest.WireSize,          // 1 GET_ALIGNMENT
        DeviceRequest.WireSize,          // 2 GET_MAX_SIZE
        BufferRequest.WireSize,          // 3 BUFFER_GET_BASE
        BufferRequest.WireSize,          // 4 FREE_BUFFER
        BufferClear.Request.WireSize,    // 5 BUFFER_CLEAR
        -1,                              // 6 SET_TENSOR (variable)
        SetTensorHash.Request.WireSize,  // 7 SET_TENSOR_HASH
        GetTensor.Request.WireSize,      // 8 GET_TENSOR
        CopyTensor.Request.WireSize,     // 9 COPY_TENSOR
        -1,                              // 10 GRAPH_COMPUTE (variable)
        DeviceRequest.WireSize,          // 11 GET_DEVICE_MEMORY
        InitTensor.Request.WireSize,     // 12 INIT_TENSOR
        GetAllocSize.Request.WireSize,   // 13 GET_ALLOC_SIZE
        Hello.Request.WireSize,          // 14 HELLO
        DeviceCount.RequestSize,         // 15 DEVICE_COUNT
        DeviceRequest.WireSize,          // 16 GRAPH_RECOMPUTE
        MemsetTensor.Request.WireSize,   // 17 MEMSET_TENSOR
    ];

    public FrameReader(FrameLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        Limits = limits;
    }

    public FrameLimits Limits { get; }

    /// <summary>Number of command ids in protocol 5.1.0 (<c>RPC_CMD_COUNT</c>).</summary>
    public static int CommandCount => s_fixedSizes.Length;

    /// <summary>The exact payload size of a fixed-size command, or -1 for SET_TENSOR and GRAPH_COMPUTE.</summary>
    public static int FixedPayloadSize(RpcCommand command) =>
        (uint)command < (uint)s_fixedSizes.Length ? s_fixedSizes[(int)command] : throw new ArgumentOutOfRangeException(nameof(command));

    /// <summary>Validates a header's payload size for its command.</summary>
    public FrameError Validate(RpcCommand command, ulong payloadSize)
    {
        if ((uint)command >= (uint)s_fixedSizes.Length)
        {
            return FrameError.UnknownCommand;
        }
        return command switch
        {
            RpcCommand.SetTensor => payloadSize < (ulong)SetTensor.Header.WireSize ? FrameError.TooSmall
                : payloadSize > Limits.MaxSetTensorPayload ? FrameError.TooLarge : FrameError.None,
            RpcCommand.GraphCompute => payloadSize < GraphCompute.MinPayloadSize ? FrameError.TooSmall
                : payloadSize > Limits.MaxGraphComputePayload ? FrameError.TooLarge : FrameError.None,
            _ => payloadSize == (ulong)s_fixedSizes[(int)command] ? FrameError.None : FrameError.WrongSize,
        };
    }

    /// <summary>Reads and validates the 9-byte header at the start of <paramref name="buffer"/>.</summary>
    public FrameReadStatus TryReadHeader(in ReadOnlySequence<byte> buffer, out RequestHeader header, out FrameError error)
    {
        header = default;
        error = FrameError.None;
        if (buffer.Length < 1)
        {
            return FrameReadStatus.NeedMoreData;
        }
        Span<byte> bytes = stackalloc byte[ProtocolLimits.RequestHeaderSize];
        ReadOnlySpan<byte> first = buffer.FirstSpan;
        if (first.Length >= ProtocolLimits.RequestHeaderSize)
        {
            first[..ProtocolLimits.RequestHeaderSize].CopyTo(bytes);
        }
        else
        {
            int available = (int)Math.Min(buffer.Length, ProtocolLimits.RequestHeaderSize);
            buffer.Slice(0, available).CopyTo(bytes);
            if ((uint)bytes[0] >= (uint)s_fixedSizes.Length)
            {
                error = FrameError.UnknownCommand;
                return FrameReadStatus.Invalid;
            }
            if (available < ProtocolLimits.RequestHeaderSize)
            {
                return FrameReadStatus.NeedMoreData;
            }
        }
        var command = (RpcCommand)bytes[0];
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(bytes[1..]);
        error = Validate(command, size);
        if (error != FrameError.None)
        {
            return FrameReadStatus.Invalid;
        }
        header = new RequestHeader(command, size);
        return FrameReadStatus.Ok;
    }

    /// <summary>
    /// Reads a whole frame: the validated header and its complete payload (a slice of <paramref name="buffer"/>).
    /// <paramref name="consumed"/> is the position just after the frame.
    /// </summary>
    public FrameReadStatus TryReadFrame(
        in ReadOnlySequence<byte> buffer,
        out RequestHeader header,
        out ReadOnlySequence<byte> payload,
        out SequencePosition consumed,
        out FrameError error)
    {
        payload = default;
        consumed = buffer.Start;
        FrameReadStatus status = TryReadHeader(buffer, out header, out error);
        if (status != FrameReadStatus.Ok)
        {
            return status;
        }
        ulong available = (ulong)buffer.Length - ProtocolLimits.RequestHeaderSize;
        if (available < header.PayloadSize)
        {
            return FrameReadStatus.NeedMoreData;
        }
        payload = buffer.Slice(ProtocolLimits.RequestHeaderSize, (long)header.PayloadSize);
        consumed = payload.End;
        return FrameReadStatus.Ok;
    }
}
