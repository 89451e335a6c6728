using System.Buffers.Binary;
using RpcWorker.Protocol;

namespace RpcWorker.Conformance.Tests;

/// <summary>Builds wire tensors and request payloads for harness tests.</summary>
internal static class Requests
{
    public static RpcTensor Tensor(ulong id, uint type = 0, ulong buffer = 0, ulong data = 0, uint ne0 = 4, uint op = 0,
        string name = "t")
    {
        var t = new RpcTensor { Id = id, Type = type, Buffer = buffer, Data = data, Op = op };
        t.Ne[0] = ne0;
        t.Ne[1] = t.Ne[2] = t.Ne[3] = 1;
        t.Nb[0] = 4;
        t.Nb[1] = t.Nb[2] = t.Nb[3] = 4 * ne0;
        System.Text.Encoding.UTF8.GetBytes(name).CopyTo((Span<byte>)t.Name);
        return t;
    }

    public static byte[] Bytes(in RpcTensor t)
    {
        var b = new byte[RpcTensor.Size];
        t.Write(b);
        return b;
    }

    public static byte[] U64(params ulong[] values)
    {
        var b = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8 * i), values[i]);
        }
        return b;
    }

    /// <summary>GET_TENSOR / SET_TENSOR_HASH payload: tensor, u64 offset, u64 size (or hash).</summary>
    public static byte[] TensorOffsetSize(in RpcTensor t, ulong offset, ulong size) => [.. Bytes(t), .. U64(offset, size)];

    public static byte[] Alloc(uint device, ulong size)
    {
        var b = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(b, device);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(4), size);
        return b;
    }

    public static byte[] Graph(uint device, ulong[] nodes, params RpcTensor[] tensors)
    {
        var b = new byte[12 + 8 * nodes.Length + RpcTensor.Size * tensors.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(b, device);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), (uint)nodes.Length);
        for (int i = 0; i < nodes.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8 + 8 * i), nodes[i]);
        }
        int at = 8 + 8 * nodes.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), (uint)tensors.Length);
        for (int i = 0; i < tensors.Length; i++)
        {
            tensors[i].Write(b.AsSpan(at + 4 + i * RpcTensor.Size));
        }
        return b;
    }
}
