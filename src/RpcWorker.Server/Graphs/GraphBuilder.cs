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
/// A session keeps one builder: its tensors, tables and graph are rebuilt in place by the next request, so a client
/// that sends a graph per token (every decode step) costs no allocation once the largest graph has been seen. A build
/// invalidates the previous graph, which must no longer be stored or running.
/// </summary>
internal sealed class GraphBuilder
{
    private const byte Unvisited = 0;
    private const byte InProgress = 1;
    private const byte Done = 2;

    private readonly Dictionary<ulong, int> _indexById = [];
    private readonly Stack<(int Index, int Next)> _stack = new();
    private readonly HashSet<RemoteBuffer> _used = [];
    private readonly List<Tensor?> _nodes = [];
    private Tensor[] _pool = [];
    private Tensor?[] _created = [];
    private byte[] _state = [];

    public GraphBuilder() => Graph = new ComputeGraph(_nodes);

    /// <summary>The graph of the last <see cref="Build"/> (the same object every time).</summary>
    public ComputeGraph Graph { get; }

    /// <summary>The buffers the last graph's tensors point into.</summary>
    public IReadOnlySet<RemoteBuffer> Buffers => _used;

    public void Build(in GraphCompute.View view, BufferTable buffers)
    {
        int count = view.TensorCount;
        Prepare(count);
        Dictionary<ulong, int> indexById = _indexById;
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

        Tensor?[] created = _created;
        byte[] state = _state;
        Stack<(int Index, int Next)> stack = _stack;
        int nodeCount = view.NodeCount;
        for (int n = 0; n < nodeCount; n++)
        {
            ulong nodeId = view.NodeId(n);
            if (nodeId == 0)
            {
                _nodes.Add(null);
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
                    created[index] = Create(_pool[index], wire, buffers);
                    state[index] = Done;
                }
            }
            // ggml-cpu computes only nodes flagged COMPUTE; the rest stay in the graph as their sources' consumers.
            _nodes.Add((view.Tensor(root).Flags & TensorFlags.Compute) != 0 ? created[root] : null);
        }
    }

    /// <summary>Empties the tables and grows them (and the tensor pool) to <paramref name="count"/> tensors.</summary>
    private void Prepare(int count)
    {
        _indexById.Clear();
        _indexById.EnsureCapacity(count);
        _stack.Clear();
        _used.Clear();
        _nodes.Clear();
        if (_pool.Length < count)
        {
            int old = _pool.Length;
            Array.Resize(ref _pool, count);
            for (int i = old; i < count; i++)
            {
                _pool[i] = new Tensor();
            }
            _created = new Tensor?[count];
            _state = new byte[count];
        }
        else
        {
            Array.Clear(_created, 0, count);
            Array.Clear(_state, 0, count);
        }
    }

    private static int Resolve(Dictionary<ulong, int> indexById, ulong id) =>
        indexById.TryGetValue(id, out int index)
            ? index
            : throw new RpcProtocolException($"graph references tensor id 0x{id:x} that is not in the tensor list");

    private Tensor Create(Tensor tensor, in RpcTensor wire, BufferTable buffers)
    {
        if (wire.Op >= (uint)GgmlOp.Count)
        {
            throw new RpcProtocolException($"graph tensor 0x{wire.Id:x} has op {wire.Op}, beyond the {ProtocolLimits.OpCount} ops of 5.1.0");
        }
        TensorLocation mapped = TensorMapper.Fill(tensor, wire, buffers);
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
            _used.Add(mapped.Buffer);
        }
        for (int i = 0; i < RpcTensor.MaxSrc; i++)
        {
            ulong srcId = wire.Src[i];
            tensor.Src[i] = srcId == 0 ? null : _created[_indexById[srcId]];
        }
        tensor.ViewSrc = null;
        tensor.ViewOffs = 0;
        if (wire.ViewSrc != 0)
        {
            tensor.ViewSrc = _created[_indexById[wire.ViewSrc]];
            tensor.ViewOffs = (long)Math.Min(wire.ViewOffs, long.MaxValue);
        }
        return tensor;
    }
}
