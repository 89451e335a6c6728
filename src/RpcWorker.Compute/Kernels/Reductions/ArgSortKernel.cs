using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Reductions;

/// <summary>
/// GGML_OP_ARGSORT (F32 → I32): per row, the indices 0..ne0-1 ordered by value, ascending (op_params[0] = 0) or
/// descending (1), with libstdc++'s <c>std::sort</c> so that equal values keep ggml's order (<see cref="IndexSort"/>).
/// As in ggml-cpu, row r is read at <c>src + r·nb1</c> and written at <c>dst + r·nb1</c>. Rows are dealt round-robin.
/// </summary>
internal sealed unsafe class ArgSortKernel : IOpKernel
{
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
        if (!TensorLayout.SameShape(src, node) || src.Ne[0] > int.MaxValue)
        {
            return "destination must have the source's shape (rows of at most 2^31-1)";
        }
        if (node.Params[0] is not (0 or 1))
        {
            return "sort order must be 0 (ascending) or 1 (descending)";
        }
        if (node.Nb[0] != sizeof(int))
        {
            return "destination rows must be packed";
        }
        return RowAccess.FlatRowsInside(src) && RowAccess.FlatRowsInside(node) ? null : "rows are not addressable as r·nb1";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        int n = (int)src.Ne[0];
        bool descending = node.Params[0] == 1;
        long nr = src.NRows;
        for (long r = p.Ith; r < nr; r += p.Nth)
        {
            float* key = (float*)(src.DataPtr + r * src.Nb[1]);
            int* idx = (int*)(node.DataPtr + r * node.Nb[1]);
            for (int j = 0; j < n; j++)
            {
                idx[j] = j;
            }
            IndexSort.Sort(idx, n, key, descending);
        }
    }
}
