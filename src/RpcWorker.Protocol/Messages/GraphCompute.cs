using System.Buffers.Binary;

namespace RpcWorker.Protocol.Messages;

/// <summary>
/// GRAPH_COMPUTE (10): <c>u32 device | u32 n_nodes | u64 node_ids[n_nodes] | u32 n_tensors | rpc_tensor tensors[n_tensors]</c>.
/// No response. GRAPH_RECOMPUTE (16) is a <see cref="DeviceRequest"/> that re-runs the last graph of the device.
/// </summary>
public static class GraphCompute
{
    /// <summary>The smallest payload: device, n_nodes = 0, n_tensors = 0.</summary>
    public const int MinPayloadSize = 12;

    /// <summary>The exact payload size for the given counts, or null when it does not fit in 64 bits.</summary>
    public static ulong? PayloadSize(ulong nodeCount, ulong tensorCount)
    {
        try
        {
            return checked(MinPayloadSize + 8 * nodeCount + (ulong)RpcTensor.Size * tensorCount);
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>
    /// Splits <paramref name="payload"/> into its parts. False when the counts do not describe exactly
    /// <paramref name="payload"/>'s length (truncated, trailing bytes, or counts too large).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out View view)
    {
        view = default;
        if (payload.Length < MinPayloadSize)
        {
            return false;
        }
        uint device = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        uint nodeCount = BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        ulong tensorCountOffset = 8 + 8UL * nodeCount;
        if (tensorCountOffset + 4 > (ulong)payload.Length)
        {
            return false;
        }
        uint tensorCount = BinaryPrimitives.ReadUInt32LittleEndian(payload[(int)tensorCountOffset..]);
        if (PayloadSize(nodeCount, tensorCount) != (ulong)payload.Length)
        {
            return false;
        }
        view = new View(
            device,
            payload.Slice(8, (int)(8 * nodeCount)),
            payload[((int)tensorCountOffset + 4)..],
            (int)tensorCount);
        return true;
    }

    /// <summary>Writes a whole payload; <paramref name="destination"/> must hold <see cref="PayloadSize"/> bytes.</summary>
    public static int Write(Span<byte> destination, uint device, ReadOnlySpan<ulong> nodeIds, ReadOnlySpan<RpcTensor> tensors)
    {
        int size = checked((int)(PayloadSize((ulong)nodeIds.Length, (ulong)tensors.Length) ?? throw new OverflowException()));
        Span<byte> target = destination[..size];
        BinaryPrimitives.WriteUInt32LittleEndian(target, device);
        BinaryPrimitives.WriteUInt32LittleEndian(target[4..], (uint)nodeIds.Length);
        int at = 8;
        foreach (ulong id in nodeIds)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(target[at..], id);
            at += 8;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(target[at..], (uint)tensors.Length);
        at += 4;
        foreach (RpcTensor tensor in tensors)
        {
            tensor.Write(target[at..]);
            at += RpcTensor.Size;
        }
        return size;
    }

    /// <summary>A parsed GRAPH_COMPUTE payload; valid only while the payload bytes are.</summary>
    public readonly ref struct View
    {
        private readonly ReadOnlySpan<byte> _nodeIds;
        private readonly ReadOnlySpan<byte> _tensors;

        internal View(uint device, ReadOnlySpan<byte> nodeIds, ReadOnlySpan<byte> tensors, int tensorCount)
        {
            Device = device;
            _nodeIds = nodeIds;
            _tensors = tensors;
            TensorCount = tensorCount;
        }

        public uint Device { get; }

        public int NodeCount => _nodeIds.Length / 8;

        public int TensorCount { get; }

        /// <summary>The client id of graph node <paramref name="index"/> (0 = empty slot).</summary>
        public ulong NodeId(int index) => BinaryPrimitives.ReadUInt64LittleEndian(_nodeIds.Slice(index * 8, 8));

        /// <summary>Tensor record <paramref name="index"/>.</summary>
        public RpcTensor Tensor(int index) => RpcTensor.Read(_tensors.Slice(index * RpcTensor.Size, RpcTensor.Size));
    }
}
