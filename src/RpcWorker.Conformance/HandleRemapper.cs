using System.Buffers.Binary;
using RpcWorker.Client;
using RpcWorker.Protocol;

namespace RpcWorker.Conformance;

/// <summary>
/// Translates the recorded server's buffer handles and addresses into ours, for one session. ALLOC_BUFFER replies map a
/// recorded <c>remote_ptr</c> to ours; BUFFER_GET_BASE replies map the recorded base to ours. Requests are rewritten in
/// place: <c>remote_ptr</c> of FREE_BUFFER/BUFFER_CLEAR/BUFFER_GET_BASE, and <c>buffer</c>/<c>data</c> of every serialized
/// tensor (<c>data' = our_base + (data - recorded_base)</c>). Client ids (id, src, view_src) and zero handles stay as they are.
/// </summary>
public sealed class HandleRemapper
{
    private readonly Dictionary<ulong, Mapping> _buffers = [];

    /// <summary>Buffers currently mapped.</summary>
    public int Count => _buffers.Count;

    /// <summary>Records that recorded buffer <paramref name="recordedPtr"/> is our <paramref name="ourPtr"/>.</summary>
    public void OnAllocated(ulong recordedPtr, ulong recordedSize, ulong ourPtr)
    {
        if (recordedPtr != 0)
        {
            _buffers[recordedPtr] = new Mapping(ourPtr, recordedSize);
        }
    }

    /// <summary>Records the base addresses of a buffer (from a BUFFER_GET_BASE exchange).</summary>
    public void OnBase(ulong recordedPtr, ulong recordedBase, ulong ourBase)
    {
        if (_buffers.TryGetValue(recordedPtr, out Mapping? m))
        {
            m.RecordedBase = recordedBase;
            m.OurBase = ourBase;
            m.HasBase = true;
        }
    }

    /// <summary>Forgets a freed buffer.</summary>
    public void OnFreed(ulong recordedPtr) => _buffers.Remove(recordedPtr);

    /// <summary>Our handle for a recorded buffer handle.</summary>
    public bool TryMapBuffer(ulong recordedPtr, out ulong ourPtr)
    {
        bool found = _buffers.TryGetValue(recordedPtr, out Mapping? m);
        ourPtr = found ? m!.OurPtr : 0;
        return found;
    }

    /// <summary>Rewrites <paramref name="request"/> of <paramref name="command"/> to our handles; throws <see cref="ReplayException"/> for handles the session never obtained.</summary>
    public void Rewrite(byte command, Span<byte> request)
    {
        switch ((RpcCommand)command)
        {
            case RpcCommand.FreeBuffer:
            case RpcCommand.BufferClear:
            case RpcCommand.BufferGetBase:
                if (request.Length < 8)
                {
                    throw new ReplayException($"recorded {RpcProtocolException.DescribeCommand(command)} request is too short");
                }
                ulong recorded = BinaryPrimitives.ReadUInt64LittleEndian(request);
                BinaryPrimitives.WriteUInt64LittleEndian(request, MapHandle(recorded, "buffer handle"));
                return;
        }
        foreach (int offset in WireTensor.TensorOffsets(command, request))
        {
            RewriteTensor(request[offset..]);
        }
    }

    private void RewriteTensor(Span<byte> tensor)
    {
        ulong buffer = BinaryPrimitives.ReadUInt64LittleEndian(tensor[WireTensor.BufferOffset..]);
        if (buffer == 0)
        {
            return;
        }
        if (!_buffers.TryGetValue(buffer, out Mapping? m))
        {
            throw new ReplayException(
                $"tensor {WireTensor.Describe(RpcTensor.Read(tensor))} names buffer 0x{buffer:x} that the session never allocated");
        }
        BinaryPrimitives.WriteUInt64LittleEndian(tensor[WireTensor.BufferOffset..], m.OurPtr);
        ulong data = BinaryPrimitives.ReadUInt64LittleEndian(tensor[WireTensor.DataOffset..]);
        if (data == 0)
        {
            return;
        }
        if (!m.HasBase)
        {
            throw new ReplayException(
                $"tensor {WireTensor.Describe(RpcTensor.Read(tensor))} has an address in buffer 0x{buffer:x} before its BUFFER_GET_BASE");
        }
        if (data < m.RecordedBase || data - m.RecordedBase > m.RecordedSize)
        {
            throw new ReplayException(
                $"tensor {WireTensor.Describe(RpcTensor.Read(tensor))} address 0x{data:x} lies outside its recorded buffer");
        }
        BinaryPrimitives.WriteUInt64LittleEndian(tensor[WireTensor.DataOffset..], m.OurBase + (data - m.RecordedBase));
    }

    private ulong MapHandle(ulong recorded, string what) =>
        _buffers.TryGetValue(recorded, out Mapping? m)
            ? m.OurPtr
            : throw new ReplayException($"{what} 0x{recorded:x} was never allocated in this session");

    private sealed class Mapping(ulong ourPtr, ulong recordedSize)
    {
        public ulong OurPtr { get; } = ourPtr;

        public ulong RecordedSize { get; } = recordedSize;

        public ulong RecordedBase { get; set; }

        public ulong OurBase { get; set; }

        public bool HasBase { get; set; }
    }
}
