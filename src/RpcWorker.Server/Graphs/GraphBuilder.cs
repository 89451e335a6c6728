using RpcWorker.Compute;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;
using RpcWorker.Server.Memory;

namespace RpcWorker.Server.Graphs;

/// <summary>
/// Builds a compute graph from a GRAPH_COMPUTE payload, validating everything first: tensor ids are unique and
/// non-zero, every referenced id resolves, src/view_src links have no cycle (iterative DFS, so a deep chain cannot
/// exhaust the stack), a tensor with data but no buffer of this session is rejected, and every tensor that addresses
/// bytes has storage inside one of this session's buffers. Nodes without ggml's COMPUTE flag are validated but left out
/// of the computed graph, as ggml-cpu skips them.
/// </summary>
internal static class GraphBuilder
{
    private const byte Unvisited = 0;
    private const byte InProgress = 1;
    private const byte Done = 2;

    public static (ComputeGraph Graph, HashSet<RemoteBuffer> Buffers) Build(in GraphCompute.View view, BufferTable buffers)
    {
        int count = view.TensorCount;
        var indexById = new Dictionary<ulong, int>(count);
        for (int i = 0; i < count; i++)
        {
            ulong id = view.Tensor(i).Id;
            if (id == 0)
            {
                throw new RpcProtocolException($"graph tensor {i} has id 0");
            }
            if (!indexById.TryAdd(id, i))
            {
                throw new RpcProtocolException($"graph tensor id 0x{id:x} appears twice");
            }
        }

        var created = new Tensor?[count];
        var state = new byte[count];
        var used = new HashSet<RemoteBuffer>();
        var stack = new Stack<(int Index, int Next)>();
        var nodes = new Tensor?[view.NodeCount];
        for (int n = 0; n < nodes.Length; n++)
        {
            ulong nodeId = view.NodeId(n);
            if (nodeId == 0)
            {
                continue;
            }
            int root = Resolve(indexById, nodeId);
            if (state[root] == Unvisited)
            {
                state[root] = InProgress;
                stack.Push((root, 0));
                while (stack.Count > 0)
                {
                    (int index, int next) = stack.Pop();
                    RpcTensor wire = view.Tensor(index);
                    // Links 0..9 are src[], link 10 is view_src.
                    int link = next;
                    int child = -1;
                    for (; link <= RpcTensor.MaxSrc; link++)
                    {
                        ulong childId = link < RpcTensor.MaxSrc ? wire.Src[link] : wire.ViewSrc;
                        if (childId == 0)
                        {
                            continue;
                        }
                        int c = Resolve(indexById, childId);
                        if (state[c] == InProgress)
                        {
                            throw new RpcProtocolException($"graph tensor 0x{childId:x} is part of a cycle");
                        }
                        if (state[c] == Unvisited)
                        {
                            child = c;
                            break;
                        }
                    }
                    if (child >= 0)
                    {
                        stack.Push((index, link + 1));
                        state[child] = InProgress;
                        stack.Push((child, 0));
                        continue;
                    }
                    created[index] = Create(wire, buffers, created, indexById, used);
                    state[index] = Done;
                }
            }
            // ggml-cpu computes only nodes flagged COMPUTE; the rest stay in the graph as their sources' consumers.
            nodes[n] = (view.Tensor(root).Flags & TensorFlags.Compute) != 0 ? created[root] : null;
        }
        return (new ComputeGraph(nodes), used);
    }

    private static int Resolve(Dictionary<ulong, int> indexById, ulong id) =>
        indexById.TryGetValue(id, out int index)
            ? index
            : throw new RpcProtocolException($"graph references tensor id 0x{id:x} that is not in the tensor list");

    private static Tensor Create(
        in RpcTensor wire,
        BufferTable buffers,
        Tensor?[] created,
        Dictionary<ulong, int> indexById,
        HashSet<RemoteBuffer> used)
    {
        if (wire.Op >= (uint)GgmlOp.Count)
        {
            throw new RpcProtocolException($"graph tensor 0x{wire.Id:x} has op {wire.Op}, beyond the {ProtocolLimits.OpCount} ops of 5.1.0");
        }
        Tensor tensor = TensorMapper.Map(wire, buffers, out TensorLocation mapped);
        if (mapped.Buffer is null)
        {
            if (wire.Data != 0)
            {
                throw new RpcProtocolException($"graph tensor 0x{wire.Id:x} has data 0x{wire.Data:x} but no buffer of this session");
            }
            if (mapped.NBytes != 0)
            {
                throw new RpcProtocolException($"graph tensor 0x{wire.Id:x} addresses {mapped.NBytes} bytes but has no storage");
            }
        }
        else
        {
            used.Add(mapped.Buffer);
        }
        for (int i = 0; i < RpcTensor.MaxSrc; i++)
        {
            ulong srcId = wire.Src[i];
            tensor.Src[i] = srcId == 0 ? null : created[indexById[srcId]];
        }
        if (wire.ViewSrc != 0)
        {
            tensor.ViewSrc = created[indexById[wire.ViewSrc]];
            tensor.ViewOffs = (long)Math.Min(wire.ViewOffs, long.MaxValue);
        }
        return tensor;
    }
}
