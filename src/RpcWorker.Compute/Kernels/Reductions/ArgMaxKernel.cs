using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Reductions;

/// <summary>
/// GGML_OP_ARGMAX (F32 matrix → I32 vector): the index of each row's maximum, as <c>ggml_vec_argmax_f32</c>: the running
/// maximum is <c>max = max &gt; x ? max : x</c> and the index moves whenever <c>max == x</c>, so among equal maxima the
/// last one wins and a NaN restarts the search at the next element.
/// </summary>
internal sealed unsafe class ArgMaxKernel : IOpKernel
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
        if (src.Ne[2] != 1 || src.Ne[3] != 1 || src.Ne[0] > int.MaxValue)
        {
            return "source must be a matrix with rows of at most 2^31-1 elements";
        }
        if (node.Ne[0] != src.Ne[1] || node.Ne[1] != 1 || node.Ne[2] != 1 || node.Ne[3] != 1)
        {
            return "destination must be a vector of one index per source row";
        }
        return RowAccess.PackedRowsInside(src) ? null : "source rows are not addressable as packed rows";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        if (p.Ith != 0)
        {
            return;
        }
        Tensor src = node.Src[0]!;
        long n = src.Ne[0];
        for (long i1 = 0; i1 < src.Ne[1]; i1++)
        {
            float* x = (float*)(src.DataPtr + i1 * src.Nb[1]);
            float max = float.NegativeInfinity;
            int idx = 0;
            for (int i = 0; i < n; i++)
            {
                max = max > x[i] ? max : x[i];
                if (max == x[i])
                {
                    idx = i;
                }
            }
            *(int*)(node.DataPtr + i1 * node.Nb[0]) = idx;
        }
    }
}
