using RpcWorker.Compute;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Server.Tests;

/// <summary>GRAPH_COMPUTE payloads for tests.</summary>
internal static class GraphPayloads
{
    public const uint OpNone = (uint)GgmlOp.None;
    public const uint OpView = (uint)GgmlOp.View;
    public const uint OpUnary = (uint)GgmlOp.Unary;

    public static byte[] Payload(ulong[] nodes, RpcTensor[] tensors, uint device = 0)
    {
        var bytes = new byte[(int)GraphCompute.PayloadSize((ulong)nodes.Length, (ulong)tensors.Length)!.Value];
        GraphCompute.Write(bytes, device, nodes, tensors);
        return bytes;
    }

    public static RpcTensor WithOp(this RpcTensor tensor, uint op, params ulong[] srcs)
    {
        tensor.Op = op;
        tensor.Flags = op == OpNone ? tensor.Flags : tensor.Flags | TensorFlags.Compute;
        for (int i = 0; i < srcs.Length; i++)
        {
            tensor.Src[i] = srcs[i];
        }
        return tensor;
    }
}
