using RpcWorker.Compute;
using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Kernels;
using RpcWorker.Protocol;

namespace RpcWorker.Conformance;

/// <summary>
/// Finds what a recorded GRAPH_COMPUTE needs that the compute engine lacks: an op without a kernel (or whose kernel
/// rejects the node's types and shapes), or a float/quantized tensor type without a row format. The graph is rebuilt as
/// storage-less <see cref="Tensor"/> objects from the wire tensors, as the server does, so kernels validate real nodes.
/// Like ggml-cpu (and the executor), empty nodes and memory-only ops need no kernel.
/// </summary>
public static class GraphRequirements
{
    /// <summary>Adds to <paramref name="missing"/> a line per missing op or type (<c>needs op X</c>, <c>needs type X</c>).</summary>
    public static void Collect(ReadOnlySpan<byte> graphCompute, ISet<string> missing)
    {
        (int first, int count) = WireTensor.GraphTensors(graphCompute);
        var wire = new Dictionary<ulong, RpcTensor>(count);
        for (int i = 0; i < count; i++)
        {
            var t = RpcTensor.Read(graphCompute[(first + i * RpcTensor.Size)..]);
            if (t.Id != 0)
            {
                wire[t.Id] = t;
            }
        }
        var built = new Dictionary<ulong, Tensor?>(count);
        foreach (ulong id in WireTensor.GraphNodes(graphCompute))
        {
            Tensor? node = Build(id, wire, built, missing, depth: 0);
            if (node is null || KernelRegistry.IsNoOp(node.Op) || node.IsEmpty)
            {
                continue;
            }
            IOpKernel? kernel = KernelRegistry.Find(node);
            string? reason = kernel is null ? "no kernel" : kernel.Validate(node) is { } rejected ? $"kernel rejects: {rejected}" : null;
            if (reason is not null)
            {
                missing.Add($"needs op {UnsupportedOpException.Describe(node)} ({reason})");
            }
        }
    }

    private static Tensor? Build(ulong id, Dictionary<ulong, RpcTensor> wire, Dictionary<ulong, Tensor?> built,
        ISet<string> missing, int depth)
    {
        if (id == 0 || depth > 4096)
        {
            return null;
        }
        if (built.TryGetValue(id, out Tensor? done))
        {
            return done;
        }
        built[id] = null;
        if (!wire.TryGetValue(id, out RpcTensor w) || !TypeTraits.TryGet(w.Type, out TypeInfo? info))
        {
            if (wire.ContainsKey(id))
            {
                missing.Add($"needs type id {w.Type}");
            }
            return null;
        }
        if ((info.Value.IsQuantized || info.Value.Type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16)
            && RowFormats.Find(info.Value.Type) is null)
        {
            missing.Add($"needs type {info.Value.Name}");
        }
        var t = new Tensor
        {
            Type = info.Value.Type,
            Op = (GgmlOp)w.Op,
            Flags = w.Flags,
            ViewOffs = (long)w.ViewOffs,
            Name = w.GetName(),
            UseCount = w.UseCount,
        };
        for (int d = 0; d < Tensor.MaxDims; d++)
        {
            t.Ne[d] = w.Ne[d];
            t.Nb[d] = w.Nb[d];
        }
        for (int p = 0; p < Tensor.MaxOpParams; p++)
        {
            t.Params[p] = w.OpParams[p];
        }
        built[id] = t;
        for (int s = 0; s < Tensor.MaxSrc; s++)
        {
            t.Src[s] = Build(w.Src[s], wire, built, missing, depth + 1);
        }
        t.ViewSrc = Build(w.ViewSrc, wire, built, missing, depth + 1);
        return t;
    }
}
