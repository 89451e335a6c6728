using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Reductions;

/// <summary>
/// GGML_OP_TOP_K (F32 → I32, k = ne0 of the destination): per row, libstdc++'s <c>std::partial_sort</c> of the indices
/// by descending value (<see cref="IndexSort"/>), the first k copied out, and then — exactly as ggml-cpu does, to stress
/// that the order is unspecified — the first two swapped. Row r is read at <c>src + r·nb1</c> and written at
/// <c>dst + r·nb1</c>; each thread sorts in its own slice of the scratch memory.
/// </summary>
internal sealed unsafe class TopKKernel : IOpKernel
{
    private const int Pad = 16;

    public string? Validate(Tensor node)
    {
        if (RowAccess.Src(node, 0) is not { } src)
        {
            return "missing source";
        }
        if (src.Type != GgmlType.F32 || node.Type != GgmlType.I32)
        {
            return "source must be f32 and destination i32";
        }
        if (!RowAccess.SameRows(src, node) || node.Ne[0] > src.Ne[0] || src.Ne[0] > int.MaxValue - Pad)
        {
            return "destination must be [k, ne1, ne2, ne3] with k at most the source row length";
        }
        if (node.Nb[0] != sizeof(int))
        {
            return "destination rows must be packed";
        }
        return RowAccess.FlatRowsInside(src) && RowAccess.FlatRowsInside(node) ? null : "rows are not addressable as r·nb1";
    }

    public long GetWorkSize(Tensor node, int threads) => checked((node.Src[0]!.Ne[0] + Pad) * sizeof(int) * threads);

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        int n = (int)src.Ne[0];
        int k = (int)node.Ne[0];
        int* tmp = (int*)p.WData + (long)(n + Pad) * p.Ith;
        long nr = src.NRows;
        for (long r = p.Ith; r < nr; r += p.Nth)
        {
            float* key = (float*)(src.DataPtr + r * src.Nb[1]);
            for (int j = 0; j < n; j++)
            {
                tmp[j] = j;
            }
            IndexSort.PartialSortDescending(tmp, k, n, key);
            int* dst = (int*)(node.DataPtr + r * node.Nb[1]);
            new ReadOnlySpan<int>(tmp, k).CopyTo(new Span<int>(dst, k));
            if (k > 1)
            {
                (dst[0], dst[1]) = (dst[1], dst[0]);
            }
        }
    }
}
