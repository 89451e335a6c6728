using System.Buffers.Binary;
using RpcWorker.Protocol;

namespace RpcWorker.Conformance;

/// <summary>
/// Judges our replies against the recorded ones by the conformance README's per-command rules, for one session
/// (it keeps the state some rules need: the alignment and the maximum buffer size answered so far).
/// </summary>
public sealed class SessionJudge(ToleranceClass tolerance)
{
    /// <summary>The CPU backend's <c>TENSOR_ALIGNMENT</c>, used for BUFFER_GET_BASE until the session asks GET_ALIGNMENT.</summary>
    public const ulong DefaultAlignment = 32;

    private readonly Dictionary<uint, ulong> _maxSize = [];
    private ulong _alignment = DefaultAlignment;

    public ToleranceClass Tolerance { get; } = tolerance;

    /// <summary>NMSE of the last judged GET_TENSOR (0 when identical).</summary>
    public double LastNmse { get; private set; }

    /// <summary>
    /// Null when <paramref name="ours"/> is an acceptable reply to <paramref name="request"/> (already rewritten to our
    /// handles) given the <paramref name="recorded"/> reply; else the reason.
    /// </summary>
    public string? Judge(byte command, ReadOnlySpan<byte> request, ReadOnlySpan<byte> recorded, ReadOnlySpan<byte> ours)
    {
        switch ((RpcCommand)command)
        {
            case RpcCommand.Hello:
                return ours.Length != 4 + ProtocolLimits.ConnCapsSize ? Size(ours, 28)
                    : recorded.Length >= 2 && (ours[0] != recorded[0] || ours[1] != recorded[1])
                        ? $"version {ours[0]}.{ours[1]}.{ours[2]}, recorded {recorded[0]}.{recorded[1]}.{recorded[2]}"
                        : null;
            case RpcCommand.GetAlignment:
                string? alignment = Identical(recorded, ours);
                if (alignment is null && ours.Length == 8)
                {
                    _alignment = BinaryPrimitives.ReadUInt64LittleEndian(ours);
                }
                return alignment;
            case RpcCommand.DeviceCount:
            case RpcCommand.GetAllocSize:
            case RpcCommand.CopyTensor:
            case RpcCommand.FreeBuffer:
            case RpcCommand.BufferClear:
            case RpcCommand.InitTensor:
            case RpcCommand.MemsetTensor:
                return Identical(recorded, ours);
            case RpcCommand.GetMaxSize:
                if (ours.Length != 8)
                {
                    return Size(ours, 8);
                }
                if (request.Length >= 4)
                {
                    _maxSize[BinaryPrimitives.ReadUInt32LittleEndian(request)] = BinaryPrimitives.ReadUInt64LittleEndian(ours);
                }
                return null;
            case RpcCommand.GetDeviceMemory:
                if (ours.Length != 16)
                {
                    return Size(ours, 16);
                }
                ulong free = BinaryPrimitives.ReadUInt64LittleEndian(ours), total = BinaryPrimitives.ReadUInt64LittleEndian(ours[8..]);
                return free > 0 && free <= total ? null : $"free {free}, total {total} (need 0 < free <= total)";
            case RpcCommand.AllocBuffer:
                return JudgeAlloc(request, recorded, ours);
            case RpcCommand.BufferGetBase:
                if (ours.Length != 8)
                {
                    return Size(ours, 8);
                }
                ulong ourBase = BinaryPrimitives.ReadUInt64LittleEndian(ours);
                bool recordedNull = recorded.Length == 8 && BinaryPrimitives.ReadUInt64LittleEndian(recorded) == 0;
                return (ourBase == 0 && !recordedNull) || ourBase % _alignment != 0
                    ? $"base 0x{ourBase:x} is not a non-zero multiple of the alignment {_alignment}"
                    : null;
            case RpcCommand.SetTensorHash:
                if (ours.Length != 1 || ours[0] > 1)
                {
                    return ours.Length != 1 ? Size(ours, 1) : $"result {ours[0]}, expected 0 or 1";
                }
                return recorded.Length == 1 && recorded[0] == 1 && ours[0] == 0
                    ? "the recorded server had this data in its cache (result 1), so the transcript does not contain it; "
                      + "our result 0 asks for an upload the transcript cannot replay"
                    : null;
            case RpcCommand.GetTensor:
                return JudgeGetTensor(request, recorded, ours);
            default:
                return Identical(recorded, ours);
        }
    }

    private string? JudgeAlloc(ReadOnlySpan<byte> request, ReadOnlySpan<byte> recorded, ReadOnlySpan<byte> ours)
    {
        if (ours.Length != 16)
        {
            return Size(ours, 16);
        }
        uint device = request.Length >= 12 ? BinaryPrimitives.ReadUInt32LittleEndian(request) : 0;
        ulong requested = request.Length >= 12 ? BinaryPrimitives.ReadUInt64LittleEndian(request[4..]) : 0;
        ulong ptr = BinaryPrimitives.ReadUInt64LittleEndian(ours), size = BinaryPrimitives.ReadUInt64LittleEndian(ours[8..]);
        bool recordedOk = recorded.Length == 16 && BinaryPrimitives.ReadUInt64LittleEndian(recorded) != 0;
        if (_maxSize.TryGetValue(device, out ulong max) && requested > max)
        {
            return $"allocation of {requested} bytes exceeds our GET_MAX_SIZE {max}";
        }
        if (recordedOk && ptr == 0)
        {
            return $"allocation of {requested} bytes failed (null handle), the recording got one";
        }
        return ptr != 0 && size < requested ? $"buffer of {size} bytes for a request of {requested}" : null;
    }

    private string? JudgeGetTensor(ReadOnlySpan<byte> request, ReadOnlySpan<byte> recorded, ReadOnlySpan<byte> ours)
    {
        var tensor = RpcTensor.Read(request);
        ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(request[RpcTensor.Size..]);
        string? failure = TensorComparer.Compare(tensor.Type, recorded, ours, Tolerance.MaxNmse, out double nmse);
        LastNmse = nmse;
        return failure is null
            ? null
            : $"tensor {WireTensor.Describe(tensor)} bytes {offset}..{offset + (ulong)recorded.Length}: {failure} "
              + $"(NMSE {nmse:G3}, class {Tolerance})";
    }

    private static string? Identical(ReadOnlySpan<byte> recorded, ReadOnlySpan<byte> ours) =>
        recorded.SequenceEqual(ours) ? null : $"reply {Hex(ours)} differs from the recorded {Hex(recorded)}";

    private static string Size(ReadOnlySpan<byte> ours, int expected) => $"reply of {ours.Length} bytes, expected {expected}";

    private static string Hex(ReadOnlySpan<byte> bytes) =>
        bytes.Length <= 16 ? $"[{Convert.ToHexString(bytes)}]" : $"[{bytes.Length} bytes {Convert.ToHexString(bytes[..16])}…]";
}
