using RpcWorker.Compute;
using RpcWorker.Protocol;

namespace RpcWorker.Bench;

/// <summary>
/// Builds a ggml graph as a client would serialize it: tensors laid out in one remote buffer (the arena), ops with their
/// sources and op_params, views sharing memory. <see cref="Serialize"/> turns it into wire tensors once the arena exists.
/// </summary>
internal sealed class WireGraph
{
    private const long Alignment = 32;

    private readonly List<WireTensor> _tensors = [];
    private readonly List<WireTensor> _nodes = [];
    private ulong _nextId = 0x1000;
    private long _size;

    /// <summary>Bytes the arena buffer needs.</summary>
    public long ArenaSize => _size;

    public IReadOnlyList<WireTensor> Nodes => _nodes;

    /// <summary>A new contiguous leaf tensor (weights, inputs, caches).</summary>
    public WireTensor Leaf(GgmlType type, string name, params long[] ne) => Allocate(type, name, GgmlOp.None, Pad(ne));

    /// <summary>A new node computing <paramref name="op"/> into fresh memory.</summary>
    public WireTensor Node(GgmlOp op, GgmlType type, long[] ne, string name, WireTensor?[] sources, ReadOnlySpan<int> opParams = default)
    {
        WireTensor t = Allocate(type, name, op, Pad(ne));
        SetSources(t, sources, opParams);
        _nodes.Add(t);
        return t;
    }

    /// <summary>A node whose result is a view of <paramref name="target"/>'s memory (RESHAPE, VIEW, PERMUTE, SET_ROWS…).</summary>
    public WireTensor ViewNode(GgmlOp op, WireTensor target, long[] ne, long[] nb, long byteOffset, string name,
        WireTensor?[] sources, ReadOnlySpan<int> opParams = default)
    {
        WireTensor root = target.ViewSrc ?? target;
        var t = new WireTensor
        {
            Id = _nextId++,
            Type = target.Type,
            Ne = Pad(ne),
            Nb = Pad(nb),
            Offset = target.Offset + byteOffset,
            Op = op,
            ViewSrc = root,
            Name = name,
        };
        SetSources(t, sources, opParams);
        _tensors.Add(t);
        _nodes.Add(t);
        return t;
    }

    /// <summary>RESHAPE of a contiguous tensor.</summary>
    public WireTensor Reshape(WireTensor a, string name, params long[] ne)
    {
        long[] padded = Pad(ne);
        return ViewNode(GgmlOp.Reshape, a, padded, Strides(a.Type, padded), 0, name, [a]);
    }

    /// <summary>PERMUTE(0, 2, 1, 3): swaps dims 1 and 2 without moving data.</summary>
    public WireTensor SwapDims12(WireTensor a, string name) =>
        ViewNode(GgmlOp.Permute, a, [a.Ne[0], a.Ne[2], a.Ne[1], a.Ne[3]], [a.Nb[0], a.Nb[2], a.Nb[1], a.Nb[3]], 0, name, [a],
            [0, 2, 1, 3]);

    /// <summary>Wire form of every tensor and the node id list, with addresses inside the arena at <paramref name="baseAddress"/>.</summary>
    public (List<ulong> NodeIds, List<RpcTensor> Tensors) Serialize(ulong buffer, ulong baseAddress)
    {
        var tensors = new List<RpcTensor>(_tensors.Count);
        foreach (WireTensor t in _tensors)
        {
            tensors.Add(ToWire(t, buffer, baseAddress));
        }
        return (_nodes.Select(n => n.Id).ToList(), tensors);
    }

    /// <summary>Wire form of one tensor (for SET_TENSOR / GET_TENSOR).</summary>
    public static RpcTensor ToWire(WireTensor t, ulong buffer, ulong baseAddress)
    {
        var r = new RpcTensor
        {
            Id = t.Id,
            Type = (uint)t.Type,
            Buffer = buffer,
            Op = (uint)t.Op,
            Flags = t.Op == GgmlOp.None ? 0 : TensorFlags.Compute,
            ViewSrc = t.ViewSrc?.Id ?? 0,
            Data = baseAddress + (ulong)t.Offset,
        };
        for (int i = 0; i < 4; i++)
        {
            r.Ne[i] = checked((uint)t.Ne[i]);
            r.Nb[i] = checked((uint)t.Nb[i]);
        }
        for (int i = 0; i < 16; i++)
        {
            r.OpParams[i] = t.Params[i];
        }
        for (int i = 0; i < 10; i++)
        {
            r.Src[i] = t.Src[i]?.Id ?? 0;
        }
        if (t.ViewSrc is not null)
        {
            r.ViewOffs = (ulong)(t.Offset - t.ViewSrc.Offset);
        }
        int n = Math.Min(System.Text.Encoding.UTF8.GetByteCount(t.Name), RpcTensor.MaxName - 1);
        System.Text.Encoding.UTF8.GetBytes(t.Name.AsSpan(0, Math.Min(t.Name.Length, n)), r.Name);
        return r;
    }

    public static long[] Strides(GgmlType type, long[] ne)
    {
        Dims4 d = default;
        for (int i = 0; i < 4; i++)
        {
            d[i] = ne[i];
        }
        Dims4 nb = TensorLayout.ContiguousStrides(type, d);
        return [nb[0], nb[1], nb[2], nb[3]];
    }

    private WireTensor Allocate(GgmlType type, string name, GgmlOp op, long[] ne)
    {
        long[] nb = Strides(type, ne);
        var t = new WireTensor { Id = _nextId++, Type = type, Ne = ne, Nb = nb, Offset = _size, Op = op, Name = name };
        _size = checked(_size + (t.NBytes + Alignment - 1) / Alignment * Alignment);
        _tensors.Add(t);
        return t;
    }

    private static void SetSources(WireTensor t, WireTensor?[] sources, ReadOnlySpan<int> opParams)
    {
        for (int i = 0; i < sources.Length; i++)
        {
            t.Src[i] = sources[i];
        }
        opParams.CopyTo(t.Params);
    }

    private static long[] Pad(long[] ne)
    {
        var padded = new long[] { 1, 1, 1, 1 };
        ne.AsSpan(0, Math.Min(ne.Length, 4)).CopyTo(padded);
        return padded;
    }
}
